// Test target for gk-go-template-injection (semgrep --test).
package handlers

import (
	"html/template"
	"net/http"
	textt "text/template"

	"github.com/gin-gonic/gin"
)

const pageTpl = `<h1>Hello {{.}}</h1>`

func Greeting(c *gin.Context) {
	// ruleid: gk-go-template-injection
	tpl, _ := template.New("page").Parse("<h1>" + c.Query("title") + "</h1>")
	tpl.Execute(c.Writer, nil)

	// ok: gk-go-template-injection
	safe := template.Must(template.New("page").Parse(pageTpl))
	safe.Execute(c.Writer, c.Query("title"))
}

func Mail(w http.ResponseWriter, r *http.Request) {
	t := textt.New("mail")
	// ruleid: gk-go-template-injection
	t.Parse(r.FormValue("body"))
	t.Execute(w, nil)

	// ok: gk-go-template-injection
	u, _ := url.Parse(r.FormValue("next"))
	_ = u
}
