// Test target for gk-go-plaintext-password-compare (semgrep --test).
package auth

import (
	"crypto/subtle"
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

type User struct {
	Email    string
	Password string
}

type LoginReq struct {
	Email           string `json:"email"`
	Password        string `json:"password"`
	ConfirmPassword string `json:"confirm_password"`
}

func Login(c *gin.Context, db *gorm.DB) {
	var req LoginReq
	if err := c.ShouldBindJSON(&req); err != nil {
		return
	}
	var user User
	db.Where("email = ?", req.Email).First(&user)
	// ruleid: gk-go-plaintext-password-compare
	if user.Password != req.Password {
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	// ok: gk-go-plaintext-password-compare
	if bcrypt.CompareHashAndPassword([]byte(user.Password), []byte(req.Password)) != nil {
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	// ok: gk-go-plaintext-password-compare
	if req.Password != req.ConfirmPassword {
		return
	}
	// ok: gk-go-plaintext-password-compare
	if user.Password == "" {
		return
	}
	// ok: gk-go-plaintext-password-compare
	if user.Password == hashPassword(req.Password) {
		return
	}
}

func LoginForm(w http.ResponseWriter, r *http.Request, db *sql.DB, stored User) {
	pw := r.FormValue("password")
	// ruleid: gk-go-plaintext-password-compare
	if subtle.ConstantTimeCompare([]byte(stored.Password), []byte(pw)) == 1 {
		return
	}
	// ruleid: gk-go-plaintext-password-compare
	db.QueryRow("SELECT id FROM users WHERE email = $1 AND password = $2", r.FormValue("email"), pw)
	// ok: gk-go-plaintext-password-compare
	db.QueryRow("SELECT password_hash FROM users WHERE email = $1", r.FormValue("email"))
}

func GormLogin(c *gin.Context, db *gorm.DB) {
	var u User
	// ruleid: gk-go-plaintext-password-compare
	db.Where(User{Email: c.PostForm("email"), Password: c.PostForm("password")}).First(&u)
}

type UpdateReq struct {
	Password string `json:"password"`
}

func Update(c *gin.Context, db *gorm.DB, user *User) {
	var req UpdateReq
	if err := c.ShouldBindJSON(&req); err != nil {
		return
	}
	// ok: gk-go-plaintext-password-compare
	if req.Password != user.Password {
		h, err := bcrypt.GenerateFromPassword([]byte(req.Password), bcrypt.DefaultCost)
		if err != nil {
			return
		}
		user.Password = string(h)
	}
}

func hashPassword(p string) string { return p }
