// Test target for gk-go-weak-random-token (semgrep --test).
package auth

import (
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"math/rand"
	"time"
)

const letters = "abcdefghijklmnopqrstuvwxyz0123456789"

type Session struct {
	ID        string
	Token     string
	SessionID string
}

func NewResetToken() string {
	b := make([]byte, 32)
	for i := range b {
		// ruleid: gk-go-weak-random-token
		b[i] = letters[rand.Intn(len(letters))]
	}
	return string(b)
}

func Issue() Session {
	// ruleid: gk-go-weak-random-token
	otp := fmt.Sprintf("%06d", rand.Intn(1000000))
	_ = otp
	// ruleid: gk-go-weak-random-token
	return Session{ID: "s", Token: fmt.Sprint(rand.Int63())}
}

func fillNonce(dst []byte) {
	for i := range dst {
		// ruleid: gk-go-weak-random-token
		dst[i] = byte(rand.Intn(256))
	}
}

func (s *Session) rotate() {
	// ruleid: gk-go-weak-random-token
	s.SessionID = fmt.Sprintf("%x", rand.Uint64())
}

func shuffleDeck(cards []int) {
	// ok: gk-go-weak-random-token
	rand.Shuffle(len(cards), func(i, j int) { cards[i], cards[j] = cards[j], cards[i] })
}

func StartReset(email string) {
	// ok: gk-go-weak-random-token
	time.Sleep(time.Duration(rand.Intn(200)) * time.Millisecond)
	_ = email
}

func Jitter() int {
	// ok: gk-go-weak-random-token
	delay := rand.Intn(100)
	return delay
}

func SecureToken() string {
	b := make([]byte, 32)
	// ok: gk-go-weak-random-token
	crand.Read(b)
	return hex.EncodeToString(b)
}

func SecureOTP() string {
	// ok: gk-go-weak-random-token
	n, _ := crand.Int(crand.Reader, big.NewInt(1000000))
	return fmt.Sprintf("%06d", n)
}

func PickColor() string {
	// ok: gk-go-weak-random-token
	return []string{"red", "blue"}[rand.Intn(2)]
}
