// Test target for gk-go-regex-injection (semgrep --test).
package handlers

import (
	"regexp"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/bson"
)

var slugRe = regexp.MustCompile(`^[a-z0-9-]+$`)

func Filter(c *gin.Context) {
	// ruleid: gk-go-regex-injection
	re, err := regexp.Compile(c.Query("pattern"))
	if err != nil {
		return
	}
	_ = re
	// ok: gk-go-regex-injection
	re2 := regexp.MustCompile("^" + regexp.QuoteMeta(c.Query("prefix")))
	_ = re2
	// ok: gk-go-regex-injection
	_ = slugRe.MatchString(c.Param("slug"))
	// ruleid: gk-go-regex-injection
	_ = bson.M{"name": bson.M{"$regex": c.Query("q"), "$options": "i"}}
	// ok: gk-go-regex-injection
	_ = bson.M{"name": bson.M{"$regex": regexp.QuoteMeta(c.Query("q"))}}
}
