package main

import "github.com/gin-gonic/gin"

func main() {
	r := gin.New()
	// ruleid: gk-routes-go-use
	r.Use(gin.Logger(), gin.Recovery())
	// ok: gk-routes-go-use
	r.Run(":8080")
}
