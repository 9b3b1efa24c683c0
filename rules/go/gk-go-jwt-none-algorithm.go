// Test target for gk-go-jwt-none-algorithm (semgrep --test).
package auth

import (
	"errors"
	"os"

	"github.com/golang-jwt/jwt/v5"
)

func IssueUnsigned(sub string) (string, error) {
	// ruleid: gk-go-jwt-none-algorithm
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": sub})
	// ruleid: gk-go-jwt-none-algorithm
	return tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
}

func ParseAny(raw string) (*jwt.Token, error) {
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) {
		// ruleid: gk-go-jwt-none-algorithm
		return jwt.UnsafeAllowNoneSignatureType, nil
	})
}

func ParseListed(raw string) (*jwt.Token, error) {
	key := []byte(os.Getenv("JWT_KEY"))
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) { return key, nil },
		// ruleid: gk-go-jwt-none-algorithm
		jwt.WithValidMethods([]string{"HS256", "none"}))
}

func ParseStrict(raw string) (*jwt.Token, error) {
	key := []byte(os.Getenv("JWT_KEY"))
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) {
		// ok: gk-go-jwt-none-algorithm
		if t.Method == jwt.SigningMethodNone {
			return nil, errors.New("unsigned token")
		}
		return key, nil
	},
		// ok: gk-go-jwt-none-algorithm
		jwt.WithValidMethods([]string{"HS256"}))
}

func Issue(sub string) (string, error) {
	// ok: gk-go-jwt-none-algorithm
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub})
	return tok.SignedString([]byte(os.Getenv("JWT_KEY")))
}
