// Test target for gk-go-cors-credentials-any-origin (semgrep --test).
package main

import (
	"net/http"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/handlers"
	rscors "github.com/rs/cors"
)

var allowed = map[string]bool{"https://app.example.com": true}

func setup(r *gin.Engine) {
	// ruleid: gk-go-cors-credentials-any-origin
	r.Use(cors.New(cors.Config{AllowAllOrigins: true, AllowCredentials: true}))
	// ruleid: gk-go-cors-credentials-any-origin
	r.Use(cors.New(cors.Config{
		AllowOriginFunc:  func(origin string) bool { return true },
		AllowMethods:     []string{"GET"},
		AllowCredentials: true,
	}))
	// ok: gk-go-cors-credentials-any-origin
	r.Use(cors.New(cors.Config{AllowOrigins: []string{"https://app.example.com"}, AllowCredentials: true}))
	// ok: gk-go-cors-credentials-any-origin
	r.Use(cors.New(cors.Config{AllowAllOrigins: true}))
}

func std() http.Handler {
	// ruleid: gk-go-cors-credentials-any-origin
	c := rscors.New(rscors.Options{AllowedOrigins: []string{"*"}, AllowCredentials: true})
	mux := http.NewServeMux()
	// ruleid: gk-go-cors-credentials-any-origin
	return handlers.CORS(handlers.AllowedOrigins([]string{"*"}), handlers.AllowCredentials())(c.Handler(mux))
}

func Reflect() gin.HandlerFunc {
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		// ruleid: gk-go-cors-credentials-any-origin
		c.Header("Access-Control-Allow-Origin", origin)
		c.Header("Access-Control-Allow-Credentials", "true")
		c.Next()
	}
}

func ReflectStd(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		// ruleid: gk-go-cors-credentials-any-origin
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		next.ServeHTTP(w, r)
	})
}

func Checked() gin.HandlerFunc {
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if allowed[origin] {
			// ok: gk-go-cors-credentials-any-origin
			c.Header("Access-Control-Allow-Origin", origin)
			c.Header("Access-Control-Allow-Credentials", "true")
		}
		c.Next()
	}
}

func NoCredentials() gin.HandlerFunc {
	return func(c *gin.Context) {
		// ok: gk-go-cors-credentials-any-origin
		c.Header("Access-Control-Allow-Origin", c.GetHeader("Origin"))
		c.Next()
	}
}
