// Test target for gk-go-gin-debug-mode (semgrep --test).
package main

import (
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	// ruleid: gk-go-gin-debug-mode
	gin.SetMode(gin.DebugMode)
	// ruleid: gk-go-gin-debug-mode
	gin.SetMode("debug")
	// ok: gk-go-gin-debug-mode
	gin.SetMode(gin.ReleaseMode)
	// ok: gk-go-gin-debug-mode
	gin.SetMode(os.Getenv("GIN_MODE"))
	r := gin.New()
	r.Run()
}
