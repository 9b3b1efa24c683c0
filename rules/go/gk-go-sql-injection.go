// Test target for gk-go-sql-injection (semgrep --test).
package handlers

import (
	"database/sql"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

type Handler struct {
	db   *sql.DB
	gdb  *gorm.DB
}

type Search struct {
	Name  string `json:"name"`
	Limit int    `json:"limit"`
}

func (h *Handler) ginQuery(c *gin.Context) {
	name := c.Query("name")
	// ruleid: gk-go-sql-injection
	rows, _ := h.db.Query("SELECT id FROM users WHERE name = '" + name + "'")
	defer rows.Close()

	// ok: gk-go-sql-injection
	rows2, _ := h.db.Query("SELECT id FROM users WHERE name = $1", name)
	defer rows2.Close()
}

func (h *Handler) ginSprintf(c *gin.Context) {
	q := fmt.Sprintf("DELETE FROM posts WHERE slug = '%s'", c.Param("slug"))
	// ruleid: gk-go-sql-injection
	h.db.Exec(q)
}

func (h *Handler) ginBind(c *gin.Context) {
	var req Search
	if err := c.ShouldBindJSON(&req); err != nil {
		return
	}
	// ruleid: gk-go-sql-injection
	h.gdb.Raw("SELECT * FROM users WHERE name LIKE '%" + req.Name + "%'").Scan(&[]int{})
	// ok: gk-go-sql-injection
	h.gdb.Raw(fmt.Sprintf("SELECT * FROM users LIMIT %d", req.Limit)).Scan(&[]int{})
	// ok: gk-go-sql-injection
	h.gdb.Where("name = ?", req.Name).Find(&[]int{})
	// ok: gk-go-sql-injection
	h.gdb.Where(&req).Find(&[]int{})
}

func (h *Handler) ginOrder(c *gin.Context) {
	// ruleid: gk-go-sql-injection
	h.gdb.Order(c.DefaultQuery("sort", "id")).Find(&[]int{})
}

var sortColumns = map[string]string{"new": "created_at DESC", "old": "created_at"}

func (h *Handler) ginAllowList(c *gin.Context) {
	col, ok := sortColumns[c.Query("sort")]
	if !ok {
		return
	}
	// ok: gk-go-sql-injection
	h.db.Query("SELECT * FROM posts ORDER BY " + col)
}

func (h *Handler) ginNumeric(c *gin.Context) {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		return
	}
	// ok: gk-go-sql-injection
	h.db.QueryRow(fmt.Sprintf("SELECT name FROM users WHERE id = %d", id))
}

func (h *Handler) netHTTP(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	// ruleid: gk-go-sql-injection
	h.db.QueryRowContext(r.Context(), "SELECT * FROM users WHERE login = '"+user+"'")
	// ok: gk-go-sql-injection
	h.db.QueryRowContext(r.Context(), "SELECT * FROM users WHERE login = $1", user)
	// ruleid: gk-go-sql-injection
	h.db.Exec("UPDATE users SET bio = '" + r.FormValue("bio") + "'")
	// ruleid: gk-go-sql-injection
	h.db.Query("SELECT * FROM t WHERE k = '" + mux.Vars(r)["k"] + "'")
	// ruleid: gk-go-sql-injection
	h.db.Query("SELECT * FROM t WHERE k = '" + chi.URLParam(r, "k") + "'")
	// ok: gk-go-sql-injection
	h.db.Query("SELECT * FROM t WHERE k = 'constant'")
}

func (h *Handler) echoHandler(c echo.Context) error {
	// ruleid: gk-go-sql-injection
	h.db.Query("SELECT * FROM t WHERE tag = '" + c.QueryParam("tag") + "'")
	// ok: gk-go-sql-injection
	h.db.Query("SELECT * FROM t WHERE tag = ?", c.QueryParam("tag"))
	return nil
}

func (h *Handler) sqlxHandler(c *gin.Context, db *sqlx.DB) {
	var ids []int
	// ruleid: gk-go-sql-injection
	db.Select(&ids, "SELECT id FROM users WHERE team = '"+c.Query("team")+"'")
	// ok: gk-go-sql-injection
	db.Select(&ids, "SELECT id FROM users WHERE team = $1", c.Query("team"))
}

func (h *Handler) internal(name string) {
	// ok: gk-go-sql-injection
	h.db.Query("SELECT * FROM t WHERE name = '" + name + "'")
}
