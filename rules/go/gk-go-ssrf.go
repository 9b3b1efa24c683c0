// Test target for gk-go-ssrf (semgrep --test).
package handlers

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

type Hook struct {
	URL string `json:"url"`
}

func Preview(c *gin.Context) {
	target := c.Query("url")
	// ruleid: gk-go-ssrf
	resp, _ := http.Get(target)
	defer resp.Body.Close()

	// ok: gk-go-ssrf
	resp2, _ := http.Get("https://api.example.com/v1/items/" + c.Query("id"))
	defer resp2.Body.Close()

	// ok: gk-go-ssrf
	resp3, _ := http.Get(fmt.Sprintf("https://api.example.com/v1/users/%s", c.Query("id")))
	defer resp3.Body.Close()
}

var oembed = map[string]string{"youtube.com": "https://www.youtube.com/oembed"}

func Unfurl(c *gin.Context) {
	endpoint, ok := oembed[c.Query("host")]
	if !ok {
		return
	}
	// ok: gk-go-ssrf
	http.Get(endpoint + "?url=" + url.QueryEscape(c.Query("url")))
}

func Webhook(c *gin.Context) {
	var h Hook
	if err := c.ShouldBindJSON(&h); err != nil {
		return
	}
	// ruleid: gk-go-ssrf
	req, _ := http.NewRequestWithContext(c, http.MethodPost, h.URL, nil)
	http.DefaultClient.Do(req)
}

func Fetch(w http.ResponseWriter, r *http.Request) {
	// ruleid: gk-go-ssrf
	http.Post("http://"+r.FormValue("host")+"/notify", "text/plain", nil)
	// ok: gk-go-ssrf
	http.Post("https://hooks.example.com/notify", "text/plain", nil)
}

func EchoFetch(c echo.Context) error {
	// ruleid: gk-go-ssrf
	_, err := http.Get(c.QueryParam("feed"))
	return err
}
