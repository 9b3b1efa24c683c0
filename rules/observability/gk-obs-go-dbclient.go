package store

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

func open(ctx context.Context) {
	// ruleid: gk-obs-go-dbclient
	db, _ := sql.Open("postgres", "host=db user=app dbname=app sslmode=disable")
	// ruleid: gk-obs-go-dbclient
	conn, _ := pgx.Connect(context.Background(), "postgres://app@db:5432/app?connect_timeout=5")
	// ruleid: gk-obs-go-dbclient
	pool, _ := pgxpool.New(ctx, dsn)
	// ok: gk-obs-go-dbclient
	rdb := redis.NewClient(&redis.Options{Addr: "cache:6379"})
	// ok: gk-obs-go-dbclient
	f, _ := os.Open("config.json")
	_, _, _, _, _ = db, conn, pool, rdb, f
}
