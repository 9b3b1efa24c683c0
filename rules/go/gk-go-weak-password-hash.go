// Test target for gk-go-weak-password-hash (semgrep --test).
package auth

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"golang.org/x/crypto/bcrypt"
)

type User struct{ Password, ResetToken string }

func Store(u *User, password string) {
	// ruleid: gk-go-weak-password-hash
	sum := md5.Sum([]byte(password))
	u.Password = hex.EncodeToString(sum[:])
}

func Store2(u *User, pwd, salt string) {
	h := sha256.New()
	// ruleid: gk-go-weak-password-hash
	h.Write([]byte(salt + pwd))
	u.Password = hex.EncodeToString(h.Sum(nil))
}

func Store3(u *User, req struct{ Password string }) {
	h := sha1.New()
	// ruleid: gk-go-weak-password-hash
	io.WriteString(h, req.Password)
	u.Password = hex.EncodeToString(h.Sum(nil))
}

func Login(password string) string {
	// ruleid: gk-go-weak-password-hash
	return Md5Sum(password)
}

func Md5Sum(text string) string {
	h := md5.New()
	// ok: gk-go-weak-password-hash
	h.Write([]byte(text))
	return hex.EncodeToString(h.Sum(nil))
}

func Good(u *User, password string) {
	// ok: gk-go-weak-password-hash
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	u.Password = string(hash)
	// ok: gk-go-weak-password-hash
	sum := sha256.Sum256([]byte(u.ResetToken))
	_ = sum
	// ok: gk-go-weak-password-hash
	etag := md5.Sum([]byte("body"))
	_ = etag
}
