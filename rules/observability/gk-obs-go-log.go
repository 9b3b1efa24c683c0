package handlers

import (
	"fmt"
	"log"
)

func main() {
	// ok: gk-obs-go-log
	fmt.Println("listening on :8080")
}

func Login(c *gin.Context, password string) {
	// ruleid: gk-obs-go-log
	fmt.Println("login", c.Param("id"))
	// ruleid: gk-obs-go-log
	log.Printf("user %v logged in", c.Param("id"))
	// ruleid: gk-obs-go-log
	h.logger.Info("login", zap.String("password", password))
	// ruleid: gk-obs-go-log
	println("debug")
	// ok: gk-obs-go-log
	_ = fmt.Sprintf("%d", 1)
	// ok: gk-obs-go-log
	_ = fmt.Errorf("wrapped: %w", err)
	// ok: gk-obs-go-log
	t.Errorf("bad %v", x)
}
