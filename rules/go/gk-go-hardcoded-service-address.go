// Test target for gk-go-hardcoded-service-address (semgrep --test).
package main

import (
	"database/sql"
	"net/http"
	"os"
)

func calls() {
	// ruleid: gk-go-hardcoded-service-address
	resp, _ := http.Get("http://inventory-service:8080/items")
	_ = resp
	// ruleid: gk-go-hardcoded-service-address
	db, _ := sql.Open("postgres", "postgres://localhost:5432/app?sslmode=disable")
	_ = db
	// ruleid: gk-go-hardcoded-service-address
	req, _ := http.NewRequest("GET", "http://10.1.2.3/metrics", nil)
	_ = req
	// ok: gk-go-hardcoded-service-address
	public, _ := http.Get("https://api.github.com/zen")
	_ = public
	// ok: gk-go-hardcoded-service-address
	configured, _ := http.Get(os.Getenv("INVENTORY_URL") + "/items")
	_ = configured
	// ok: gk-go-hardcoded-service-address
	fromEnv, _ := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	_ = fromEnv
}
