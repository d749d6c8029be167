// Package storetest opens real databases for tests: Open for a package's
// own tests (SQLite in a temporary directory), Backends for the store
// conformance suite (SQLite, and PostgreSQL when it is configured).
//
// PostgreSQL joins when CALLBOARD_TEST_POSTGRES_URL is set, for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable; each Open then
// works in a fresh schema that is dropped when the test ends. When
// CALLBOARD_TEST_REQUIRE_POSTGRES=1 or CI=true, a missing URL or an
// unreachable server fails the test instead of leaving PostgreSQL out.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema setup

	"callboard/store"
)

// The environment variables read by Backends.
const (
	EnvPostgresURL     = "CALLBOARD_TEST_POSTGRES_URL"
	EnvRequirePostgres = "CALLBOARD_TEST_REQUIRE_POSTGRES"
)

const startPostgres = "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

// Backend is one database the conformance suite runs on.
type Backend struct {
	Name string // "sqlite" or "postgres"
	// Open returns a new, empty, migrated database, closed when the test ends.
	Open func(t testing.TB) *store.DB
	// DSN returns the driver and DSN of a new, empty database (a file, or a
	// schema) for store.Open, removed when the test ends. Tests that reopen
	// a database use it.
	DSN func(t testing.TB) (driver, dsn string)
}

// Open returns a new migrated SQLite database in t.TempDir(), closed when
// the test ends.
func Open(t testing.TB) *store.DB {
	t.Helper()
	return openSQLite(t)
}

// Backends returns SQLite and, when CALLBOARD_TEST_POSTGRES_URL is set and
// the server answers, PostgreSQL. It fails t when PostgreSQL is required
// (CALLBOARD_TEST_REQUIRE_POSTGRES=1 or CI=true) but unset or unreachable.
func Backends(t testing.TB) []Backend {
	t.Helper()
	backends := []Backend{{Name: "sqlite", Open: openSQLite, DSN: sqliteDSN}}
	pgURL := os.Getenv(EnvPostgresURL)
	required := os.Getenv(EnvRequirePostgres) == "1" || os.Getenv("CI") == "true"
	if pgURL == "" {
		if required {
			t.Fatalf("PostgreSQL is required but %s is not set; set it to e.g. "+
				"postgres://postgres@127.0.0.1:5432/test?sslmode=disable (%s)", EnvPostgresURL, startPostgres)
		}
		return backends
	}
	if err := pingPostgres(pgURL); err != nil {
		if required {
			t.Fatalf("PostgreSQL at %s is unreachable: %v; %s", EnvPostgresURL, err, startPostgres)
		}
		t.Logf("skipping PostgreSQL: %s is set but unreachable: %v", EnvPostgresURL, err)
		return backends
	}
	return append(backends, Backend{
		Name: "postgres",
		Open: func(t testing.TB) *store.DB {
			t.Helper()
			driver, dsn := postgresDSN(t, pgURL)
			return openStore(t, driver, dsn)
		},
		DSN: func(t testing.TB) (string, string) {
			t.Helper()
			return postgresDSN(t, pgURL)
		},
	})
}

func openSQLite(t testing.TB) *store.DB {
	t.Helper()
	driver, dsn := sqliteDSN(t)
	return openStore(t, driver, dsn)
}

func sqliteDSN(t testing.TB) (string, string) {
	return "sqlite", filepath.Join(t.TempDir(), "callboard.db")
}

// openStore opens and migrates a store, closed when the test ends (before
// any cleanup registered earlier, such as dropping its schema).
func openStore(t testing.TB, driver, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), driver, dsn)
	if err != nil {
		t.Fatalf("open %s store: %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// pings caches one reachability check per URL for the test binary.
var pings sync.Map // URL → func() error

func pingPostgres(pgURL string) error {
	f, _ := pings.LoadOrStore(pgURL, sync.OnceValue(func() error {
		db, err := sql.Open("pgx", pgURL)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return db.PingContext(ctx)
	}))
	return f.(func() error)()
}

// postgresDSN creates a schema with a random name, returns a DSN whose
// search_path points at it, and drops the schema when the test ends.
func postgresDSN(t testing.TB, pgURL string) (string, string) {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "callboard_test_" + hex.EncodeToString(rnd[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema (%s): %v", startPostgres, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return "postgres", withSearchPath(pgURL, schema)
}

// withSearchPath adds search_path=schema to a URL or key=value DSN; pgx
// sends unknown parameters to the server as run-time settings.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
