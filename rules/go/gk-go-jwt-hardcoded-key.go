// Test target for gk-go-jwt-hardcoded-key (semgrep --test).
package auth

import (
	"os"

	"github.com/golang-jwt/jwt/v5"
)

// ruleid: gk-go-jwt-hardcoded-key
var jwtKey = []byte("my-very-own-signing-key")

// ok: gk-go-jwt-hardcoded-key
var signingKey = []byte(os.Getenv("JWT_SIGNING_KEY"))

// ok: gk-go-jwt-hardcoded-key
var jwtSecret = []byte("left-to-the-hardcoded-secret-rule")

// ok: gk-go-jwt-hardcoded-key
var cacheKey = []byte("users:list")

func Parse(raw string) (*jwt.Token, error) {
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) {
		// ruleid: gk-go-jwt-hardcoded-key
		return []byte("inline-verify-key-123"), nil
	})
}

func ParseEnv(raw string) (*jwt.Token, error) {
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) {
		// ok: gk-go-jwt-hardcoded-key
		return []byte(os.Getenv("JWT_KEY")), nil
	})
}

const appPassphrase = "A Very Very Strong Passphrase!!"

const issuerName = "notes-api"

func SignConst(tok *jwt.Token) {
	// ruleid: gk-go-jwt-hardcoded-key
	tok.SignedString([]byte(appPassphrase))
	// ok: gk-go-jwt-hardcoded-key
	tok.SignedString([]byte(jwtSecret))
	// ok: gk-go-jwt-hardcoded-key
	tok.SignedString(signingKey)
	// ok: gk-go-jwt-hardcoded-key
	tok.SignedString([]byte(os.Getenv("JWT_KEY")))
	// ruleid: gk-go-jwt-hardcoded-key
	tok.SignedString([]byte(issuerName))
}

func Sign() {
	// ruleid: gk-go-jwt-hardcoded-key
	hmacKey := []byte("hmac-key-for-tokens")
	_ = hmacKey
	// ok: gk-go-jwt-hardcoded-key
	hmacKey2 := []byte("${JWT_KEY}")
	_ = hmacKey2
}
