// Test target for gk-go-xss (semgrep --test).
package handlers

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

func Profile(c *gin.Context) {
	bio := c.PostForm("bio")
	// ruleid: gk-go-xss
	c.HTML(http.StatusOK, "profile.tmpl", gin.H{"bio": template.HTML(bio)})
	// ok: gk-go-xss
	c.HTML(http.StatusOK, "profile.tmpl", gin.H{"bio": bio})
	// ruleid: gk-go-xss
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<p>"+bio+"</p>"))
	// ok: gk-go-xss
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(bio))
	// ok: gk-go-xss
	c.String(http.StatusOK, "bio: %s", bio)
	// ruleid: gk-go-xss
	c.Writer.WriteString(c.Query("msg"))
}

func Hello(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	// ruleid: gk-go-xss
	fmt.Fprintf(w, "<h1>Hello %s</h1>", name)
	// ok: gk-go-xss
	fmt.Fprintf(w, "<h1>Hello %s</h1>", html.EscapeString(name))
	// ok: gk-go-xss
	fmt.Fprintf(w, "Hello %s", name)
	// ruleid: gk-go-xss
	io.WriteString(w, name)
	// ruleid: gk-go-xss
	w.Write([]byte(r.FormValue("q")))
	out, _ := json.Marshal(map[string]string{"name": name})
	// ok: gk-go-xss
	w.Write(out)
}

func EchoPage(c echo.Context) error {
	// ruleid: gk-go-xss
	return c.HTML(http.StatusOK, "<p>"+c.QueryParam("q")+"</p>")
}

func EchoSafe(c echo.Context) error {
	// ok: gk-go-xss
	return c.HTML(http.StatusOK, "<p>"+template.HTMLEscapeString(c.QueryParam("q"))+"</p>")
}
