package main

import "github.com/gin-gonic/gin"

func main() {
	// ruleid: gk-routes-go-group
	r := gin.Default()
	// ruleid: gk-routes-go-group
	v1 := r.Group("/api/v1")
	// ruleid: gk-routes-go-group
	admin := v1.Group("/admin", AuthRequired())
	// ruleid: gk-routes-go-group
	users.Register(v1.Group("/users"))
	// ok: gk-routes-go-group
	wg := sync.WaitGroup{}
	// ok: gk-routes-go-group
	re := regexp.MustCompile("x")
	admin.GET("/stats", stats)
	// ruleid: gk-routes-go-group
	e := echo.New()
	// ruleid: gk-routes-go-group
	api := mux.NewRouter().PathPrefix("/api").Subrouter()
	// ok: gk-routes-go-group
	buf := bytes.NewBuffer(nil)
	// ruleid: gk-routes-go-group
	router := httprouter.New()
}
