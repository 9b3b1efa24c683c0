// Test target for gk-go-nosql-injection (semgrep --test).
package handlers

import (
	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

type Handler struct{ users *mongo.Collection }

type LoginReq struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (h *Handler) Search(c *gin.Context) {
	var filter bson.M
	if err := c.ShouldBindJSON(&filter); err != nil {
		return
	}
	// ruleid: gk-go-nosql-injection
	cur, _ := h.users.Find(c, filter)
	_ = cur
}

func (h *Handler) Raw(c *gin.Context) {
	var query map[string]interface{}
	body, _ := c.GetRawData()
	_ = json.Unmarshal(body, &query)
	// ruleid: gk-go-nosql-injection
	h.users.DeleteMany(c, query)
}

func (h *Handler) Where(c *gin.Context) {
	// ruleid: gk-go-nosql-injection
	h.users.Find(c, bson.M{"$where": "this.name == '" + c.Query("name") + "'"})
}

func (h *Handler) Login(c *gin.Context) {
	var req LoginReq
	if err := c.ShouldBindJSON(&req); err != nil {
		return
	}
	// ok: gk-go-nosql-injection
	h.users.FindOne(c, bson.M{"email": req.Email})
	// ok: gk-go-nosql-injection
	h.users.FindOne(c, req)
	filter := bson.M{"email": req.Email, "active": true}
	// ok: gk-go-nosql-injection
	h.users.Find(c, filter)
	// ok: gk-go-nosql-injection
	h.users.Find(c, bson.M{"$where": "this.active == true"})
}
