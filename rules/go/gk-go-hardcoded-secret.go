// Test target for gk-go-hardcoded-secret (semgrep --test).
package main

import (
	"database/sql"
	"os"

	"github.com/golang-jwt/jwt/v5"
)

// ruleid: gk-go-hardcoded-secret
const apiKey = "AKIA1234567890ABCD"

// ruleid: gk-go-hardcoded-secret
var dbPassword = "s3cr3t-Pa55"

const (
	defaultPort = "8080"
	// ruleid: gk-go-hardcoded-secret
	authToken = "tok-1234567890"
)

// ruleid: gk-go-hardcoded-secret
var jwtSecret = []byte("my-jwt-signing-key")

type Config struct {
	User     string
	Password string
}

func main() {
	// ruleid: gk-go-hardcoded-secret
	password := "hunter22"

	cfg := Config{
		User: "app",
		// ruleid: gk-go-hardcoded-secret
		Password: "hunter22",
	}

	// ruleid: gk-go-hardcoded-secret
	cfg.Password = `raw-hunter22`

	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "1"})
	// ruleid: gk-go-hardcoded-secret
	signed, _ := tok.SignedString([]byte("another-signing-key"))

	// ok: gk-go-hardcoded-secret
	envPassword := os.Getenv("DB_PASSWORD")

	// ok: gk-go-hardcoded-secret
	tokenEnvName := "GITHUB_TOKEN"

	// ok: gk-go-hardcoded-secret
	emptySecret := ""

	// ok: gk-go-hardcoded-secret
	placeholderToken := "changeme"

	// ok: gk-go-hardcoded-secret
	passwordLabel := "Password"

	// ok: gk-go-hardcoded-secret
	okSigned, _ := tok.SignedString([]byte(os.Getenv("JWT_SECRET")))

	// ok: gk-go-hardcoded-secret
	user := "admin"

	messages := map[int]string{
		// ok: gk-go-hardcoded-secret
		1: "Token鉴权失败",
	}
	type codes struct{ ERROR_AUTH_TOKEN string }
	// ok: gk-go-hardcoded-secret
	_ = codes{ERROR_AUTH_TOKEN: "Token generation failed"}
	_ = messages

	db, _ := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	_, _, _, _, _, _, _, _, _, _, _, _ = defaultPort, authToken, password, cfg, signed, envPassword, tokenEnvName, emptySecret, placeholderToken, passwordLabel, okSigned, user
	_ = db
}
