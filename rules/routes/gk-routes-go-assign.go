package static

func FileServer(r chi.Router, path string, root http.FileSystem) {
	r.Get(path, redirect)
	// ruleid: gk-routes-go-assign
	path += "/"
	// ruleid: gk-routes-go-assign
	path = path + "*"
	r.Get(path, files)
}

func Count(items []string) int {
	n := 0
	for range items {
		// ok: gk-routes-go-assign
		n += 1
	}
	return n
}
