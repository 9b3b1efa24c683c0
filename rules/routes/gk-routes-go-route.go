package main

import "github.com/gin-gonic/gin"

func main() {
	r := gin.Default()
	// ruleid: gk-routes-go-route
	r.GET("/health", health)
	v1 := r.Group("/api/v1")
	// ruleid: gk-routes-go-route
	v1.POST("/users", AuthRequired(), handlers.CreateUser)
	// ruleid: gk-routes-go-route
	v1.Handle("DELETE", "/users/:id", handlers.DeleteUser)
	// ok: gk-routes-go-route
	headers.Get("Authorization")
	// ok: gk-routes-go-route
	c.JSON(200, gin.H{})
}

func chiRoutes(r chi.Router) {
	// ruleid: gk-routes-go-route
	r.Get("/users/{id}", getUser)
	// ruleid: gk-routes-go-route
	r.Method("PATCH", "/users/{id}", patchUser)
	// ruleid: gk-routes-go-route
	http.HandleFunc("GET /items/{id}", getItem)
	// ok: gk-routes-go-route
	cache.Get("key")
}

func muxRoutes(r *mux.Router) {
	// ruleid: gk-routes-go-route
	r.HandleFunc("/books/{title}", CreateBook).Methods("POST")
}

func httprouterRoutes() {
	router := httprouter.New()
	// ruleid: gk-routes-go-route
	router.GET("/users/:id", showUser)
	// ruleid: gk-routes-go-route
	router.HandlerFunc(http.MethodPost, "/users", createUser)
	// ruleid: gk-routes-go-route
	router.Handler("DELETE", "/users/:id", http.HandlerFunc(dropUser))
	// ruleid: gk-routes-go-route
	router.ServeFiles("/static/*filepath", http.Dir("public"))
	// ok: gk-routes-go-route
	http.HandlerFunc(dropUser)
}
