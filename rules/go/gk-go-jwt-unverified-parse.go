// Test target for gk-go-jwt-unverified-parse (semgrep --test).
package auth

import (
	"os"

	"github.com/golang-jwt/jwt/v5"
)

func UserID(raw string) string {
	claims := jwt.MapClaims{}
	// ruleid: gk-go-jwt-unverified-parse
	jwt.NewParser().ParseUnverified(raw, claims)
	return claims["sub"].(string)
}

func Lenient(raw string) (*jwt.Token, error) {
	key := []byte(os.Getenv("JWT_KEY"))
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) { return key, nil },
		// ruleid: gk-go-jwt-unverified-parse
		jwt.WithoutClaimsValidation())
}

func Old() {
	// ruleid: gk-go-jwt-unverified-parse
	p := jwt.Parser{SkipClaimsValidation: true}
	_ = p
}

func Strict(raw string) (*jwt.Token, error) {
	key := []byte(os.Getenv("JWT_KEY"))
	// ok: gk-go-jwt-unverified-parse
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) { return key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
}

func Parser() {
	// ok: gk-go-jwt-unverified-parse
	p := jwt.Parser{SkipClaimsValidation: false}
	_ = p
}
