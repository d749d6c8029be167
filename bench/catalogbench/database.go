package catalogbench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema setup
)

// database is a fresh, empty database for one run.
type database struct {
	driver, dsn string
	path        string // SQLite file, "" for postgres
	drop        func()
}

// newDatabase makes an empty SQLite file under dir, or a fresh schema in
// the PostgreSQL database at opts.PGURL. drop removes it. The file's name
// is random, as the schema's: runs that share dir (several benches on one
// machine, one tree) must not delete each other's database.
func newDatabase(ctx context.Context, opts Options, dir string) (*database, error) {
	if opts.DB == "sqlite" {
		var rnd [4]byte
		rand.Read(rnd[:])
		path := filepath.Join(dir, fmt.Sprintf("bench-n%d-s%d-%s.db", opts.N, opts.Seed, hex.EncodeToString(rnd[:])))
		return &database{driver: "sqlite", dsn: path, path: path, drop: func() { removeSQLite(path) }}, nil
	}
	admin, err := sql.Open("pgx", opts.PGURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	schema := "callboard_bench_" + hex.EncodeToString(rnd[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		defer admin.Close()
		admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	}
	return &database{driver: "postgres", dsn: withSearchPath(opts.PGURL, schema), drop: drop}, nil
}

// size returns the SQLite file's size with its WAL, or 0.
func (d *database) size() int64 {
	if d.path == "" {
		return 0
	}
	var n int64
	for _, p := range []string{d.path, d.path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

func removeSQLite(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		os.Remove(p)
	}
}

// withSearchPath adds search_path=schema to a URL or key=value DSN; pgx
// sends unknown parameters to the server as run-time settings.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
