package payments

import (
	"net/http"
	"time"
)

func charge(url string) error {
	// ruleid: gk-obs-go-outbound
	resp, err := http.Get(url)
	// ruleid: gk-obs-go-outbound
	_, _ = http.Post(url, "application/json", nil)
	// ruleid: gk-obs-go-outbound
	_, _ = http.DefaultClient.Do(req)
	// ok: gk-obs-go-outbound
	r.Get("/users", list)
	// ok: gk-obs-go-outbound
	_, _ = http.NewRequest("GET", url, nil)
	_ = resp
	return err
}

func clients() {
	// ruleid: gk-obs-go-outbound
	a := &http.Client{Timeout: 5 * time.Second}
	// ruleid: gk-obs-go-outbound
	b := &http.Client{Transport: transport}
	// ruleid: gk-obs-go-outbound
	c := http.Client{}
	// ok: gk-obs-go-outbound
	d := &http.Client{}
	d.Timeout = 3 * time.Second
	// ok: gk-obs-go-outbound
	var e http.Client
	// ruleid: gk-obs-go-outbound
	http.DefaultClient.Timeout = 10 * time.Second
	_, _, _, _ = a, b, c, e
}
