// Test target for gk-go-open-redirect (semgrep --test).
package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

func AfterLogin(c *gin.Context) {
	next := c.Query("next")
	// ruleid: gk-go-open-redirect
	c.Redirect(http.StatusFound, next)
	// ruleid: gk-go-open-redirect
	c.Redirect(http.StatusFound, "/"+next)
	// ok: gk-go-open-redirect
	c.Redirect(http.StatusFound, "/articles/"+c.Param("slug"))
	// ok: gk-go-open-redirect
	c.Redirect(http.StatusFound, "/dashboard")
}

func Legacy(w http.ResponseWriter, r *http.Request) {
	// ruleid: gk-go-open-redirect
	http.Redirect(w, r, r.FormValue("return_to"), http.StatusSeeOther)
	// ok: gk-go-open-redirect
	http.Redirect(w, r, "https://www.example.com/search?q="+r.FormValue("q"), http.StatusSeeOther)
}

func ForceHTTPS(w http.ResponseWriter, r *http.Request) {
	// ok: gk-go-open-redirect
	http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusMovedPermanently)
}

func EchoOut(c echo.Context) error {
	// ruleid: gk-go-open-redirect
	return c.Redirect(http.StatusFound, c.QueryParam("to"))
}
