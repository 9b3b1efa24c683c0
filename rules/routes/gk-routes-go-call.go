package main

import "github.com/gin-gonic/gin"

func main() {
	r := gin.Default()
	api := r.Group("/api")
	// ruleid: gk-routes-go-call
	routes.Setup(r)
	// ruleid: gk-routes-go-call
	users.Register(db, api)
	// ok: gk-routes-go-call
	log.Println("started")
}

func Setup(engine *gin.Engine) {
	// ruleid: gk-routes-go-call
	registerAdmin(engine)
}

func List(c *gin.Context) {
	// ok: gk-routes-go-call
	validator.Bind(c)
}

func muxMain() {
	r := mux.NewRouter()
	v1 := r.PathPrefix("/v1").Subrouter()
	// ruleid: gk-routes-go-call
	api.RegisterOrders(v1)
}

func httprouterMain() {
	router := httprouter.New()
	// ruleid: gk-routes-go-call
	static.FileServer(router, "/public", http.Dir("public"))
	// ok: gk-routes-go-call
	fmt.Println("/public")
}
