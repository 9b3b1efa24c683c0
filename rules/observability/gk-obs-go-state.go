package rates

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

var cache = map[string]float64{}
var hits int

func GetRate(c *gin.Context) {
	// ruleid: gk-obs-go-state
	cache[c.Param("code")] = 1.0
	// ruleid: gk-obs-go-state
	hits++
	// ruleid: gk-obs-go-state
	cache["served"]++
	local := map[string]int{}
	// ok: gk-obs-go-state
	local["a"] = 1
	c.JSON(http.StatusOK, local)
}

func (h *Handler) List(w http.ResponseWriter, r *http.Request) {
	// ruleid: gk-obs-go-state
	delete(cache, r.URL.Query().Get("code"))
	cache := map[string]float64{}
	// ok: gk-obs-go-state
	cache["x"] = 2.0
}

func Register(r *gin.Engine) {
	r.GET("/seen", func(c *gin.Context) {
		// ruleid: gk-obs-go-state
		hits += 1
	})
}

func warm() {
	// ok: gk-obs-go-state
	cache["EUR"] = 1.0
}
