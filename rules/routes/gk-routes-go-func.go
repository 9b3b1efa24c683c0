package users

import "github.com/gin-gonic/gin"

// ruleid: gk-routes-go-func
func Register(router *gin.RouterGroup) {
	router.GET("/", List)
}

// ruleid: gk-routes-go-func
func (h *Handler) Routes(db *sql.DB, r gin.IRouter) {
	r.GET("/x", h.X)
}

// ok: gk-routes-go-func
func List(c *gin.Context) {
	c.JSON(200, nil)
}

// ruleid: gk-routes-go-func
func (h *Handler) Register(v1 *echo.Group) {
	v1.GET("/users", h.List)
}

// ok: gk-routes-go-func
func Render(w http.ResponseWriter, r *http.Request) {
}

// ruleid: gk-routes-go-func
func mountFiles(router *httprouter.Router, prefix string) {
	router.ServeFiles(prefix+"/*filepath", http.Dir("public"))
}
