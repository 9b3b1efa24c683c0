package main

import "github.com/go-chi/chi/v5"

func routes() http.Handler {
	r := chi.NewRouter()
	// ruleid: gk-routes-go-mount
	r.Route("/articles", func(r chi.Router) {
		r.Get("/", listArticles)
	})
	// ruleid: gk-routes-go-mount
	r.Group(func(r chi.Router) {
		r.Use(auth)
	})
	// ruleid: gk-routes-go-mount
	r.Mount("/admin", adminRouter())
	// ok: gk-routes-go-mount
	v1 := r.Group("/v1")
	return r
}
