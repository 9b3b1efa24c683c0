// Test target for gk-go-sql-string-building (semgrep --test).
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/jmoiron/sqlx"

	"github.com/jinzhu/gorm"
)

const usersTable = "users"

type Store struct {
	db  *sql.DB
	gdb *gorm.DB
}

func (s *Store) ByName(name string) {
	// ruleid: gk-go-sql-string-building
	s.db.Query(fmt.Sprintf("SELECT * FROM users WHERE name = '%s'", name))
}

func (s *Store) ByEmail(ctx context.Context, email string) {
	q := "SELECT * FROM users WHERE email = '" + email + "'"
	// ruleid: gk-go-sql-string-building
	s.db.QueryRowContext(ctx, q)
}

func (s *Store) Filter(status string) {
	query := "SELECT * FROM orders WHERE 1=1"
	if status != "" {
		query += " AND status = '" + status + "'"
	}
	// ruleid: gk-go-sql-string-building
	s.db.Query(query)
}

func (s *Store) Sorted(col string) {
	// ruleid: gk-go-sql-string-building
	s.gdb.Order(col + " DESC").Find(&[]int{})
}

func (s *Store) Safe(name string, limit int) {
	// ok: gk-go-sql-string-building
	s.db.Query("SELECT * FROM users WHERE name = $1", name)
	// ok: gk-go-sql-string-building
	s.db.Query(fmt.Sprintf("SELECT * FROM users LIMIT %d", limit))
	// ok: gk-go-sql-string-building
	s.db.Query("SELECT * FROM users " + "WHERE active")
	// ok: gk-go-sql-string-building
	s.db.Query("SELECT * FROM users LIMIT " + strconv.Itoa(limit))
	q := "SELECT * FROM users WHERE 1=1"
	q += " AND active = true"
	// ok: gk-go-sql-string-building
	s.db.Query(q)
	// ok: gk-go-sql-string-building
	s.gdb.Where("name = ?", name).Find(&[]int{})
}

func (s *Store) Routes(r chi.Router, path string) {
	// ok: gk-go-sql-string-building
	r.Get(path, http.RedirectHandler(path+"/", http.StatusMovedPermanently).ServeHTTP)
}

func (s *Store) Polymorphic(scope *gorm.Scope, col string, v interface{}) {
	// ok: gk-go-sql-string-building
	s.gdb.Where(fmt.Sprintf("%v = ?", scope.Quote(col)), v).Find(&[]int{})
}

type grid interface{ Get(x, y int) bool }

func count(qr grid, x, y int) bool {
	// ok: gk-go-sql-string-building
	return qr.Get(x+1, y)
}

func (s *Store) SqlxGet(db *sqlx.DB, name string) {
	var id int
	// ruleid: gk-go-sql-string-building
	db.Get(&id, "SELECT id FROM users WHERE name = '"+name+"'")
}

func softDelete(scope *gorm.Scope) {
	// ok: gk-go-sql-string-building
	scope.Raw(fmt.Sprintf("UPDATE %v SET deleted_at=%v", scope.QuotedTableName(), scope.AddToVars(1))).Exec()
}
