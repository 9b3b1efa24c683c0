// Test target for gk-go-insecure-cookie (semgrep --test).
package handlers

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

func Login(c *gin.Context, token string) {
	// ruleid: gk-go-insecure-cookie
	c.SetCookie("session_token", token, 3600, "/", "", false, true)
	// ruleid: gk-go-insecure-cookie
	c.SetCookie("auth", token, 3600, "/", "", true, false)
	// ok: gk-go-insecure-cookie
	c.SetCookie("session_token", token, 3600, "/", "", true, true)
	// ok: gk-go-insecure-cookie
	c.SetCookie("lang", "en", 3600, "/", "", false, false)
}

func Std(w http.ResponseWriter, sid string) {
	// ruleid: gk-go-insecure-cookie
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, HttpOnly: false, Secure: true})
	// ok: gk-go-insecure-cookie
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, HttpOnly: true, Secure: true})
	// ok: gk-go-insecure-cookie
	http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", HttpOnly: false})
}

func Store(store sessions.Store) {
	// ruleid: gk-go-insecure-cookie
	store.Options(sessions.Options{Path: "/", MaxAge: 3600, HttpOnly: true, Secure: false})
	// ok: gk-go-insecure-cookie
	store.Options(sessions.Options{Path: "/", MaxAge: 3600, HttpOnly: true, Secure: true})
}
