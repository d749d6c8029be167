package config_test

import (
	"strings"
	"testing"

	"callboard/config"
)

func TestDatabase(t *testing.T) {
	for _, tc := range []struct {
		name, yaml  string
		driver, dsn string
		err         string
	}{
		{name: "better-sqlite3 memory", yaml: "client: better-sqlite3\nconnection: ':memory:'",
			driver: "sqlite", dsn: ":memory:"},
		{name: "sqlite3 no connection", yaml: "client: sqlite3",
			driver: "sqlite", dsn: ":memory:"},
		{name: "sqlite file", yaml: "client: better-sqlite3\nconnection: ./data/portal.db",
			driver: "sqlite", dsn: "./data/portal.db"},
		{name: "sqlite directory", yaml: "client: better-sqlite3\nconnection: {directory: /data}",
			driver: "sqlite", dsn: "/data/callboard.sqlite"},
		{name: "sqlite filename", yaml: "client: sqlite3\nconnection: {filename: /var/portal.sqlite}",
			driver: "sqlite", dsn: "/var/portal.sqlite"},
		{name: "pg URL", yaml: "client: pg\nconnection: postgresql://u:p@db:5432/portal?sslmode=verify-full",
			driver: "postgres", dsn: "postgresql://u:p@db:5432/portal?sslmode=verify-full"},
		{name: "pg keyword string", yaml: "client: pg\nconnection: host=db user=u dbname=portal",
			driver: "postgres", dsn: "host=db user=u dbname=portal"},
		{name: "pg object defaults", yaml: "client: pg\nconnection: {host: db, user: u, password: p}",
			driver: "postgres", dsn: "postgres://u:p@db:5432/callboard"},
		{name: "pg object escaped", yaml: "client: pg\nconnection: {host: db, port: 6543, user: 'a b', password: 'p@:/?#%', database: 'my db'}",
			driver: "postgres", dsn: "postgres://a%20b:p%40%3A%2F%3F%23%25@db:6543/my%20db"},
		{name: "pg port string", yaml: "client: pg\nconnection: {host: db, port: '5433', user: u}",
			driver: "postgres", dsn: "postgres://u@db:5433/callboard"},
		{name: "pg ssl true", yaml: "client: pg\nconnection: {host: db, ssl: true}",
			driver: "postgres", dsn: "postgres://db:5432/callboard?sslmode=require"},
		{name: "pg ssl false", yaml: "client: pg\nconnection: {host: db, ssl: false}",
			driver: "postgres", dsn: "postgres://db:5432/callboard?sslmode=disable"},
		{name: "pg ssl object", yaml: "client: pg\nconnection: {host: db, ssl: {rejectUnauthorized: false, ca: x}}",
			driver: "postgres", dsn: "postgres://db:5432/callboard?sslmode=require"},
		{name: "pg IPv6", yaml: "client: pg\nconnection: {host: '::1'}",
			driver: "postgres", dsn: "postgres://[::1]:5432/callboard"},
		{name: "pg no host", yaml: "client: pg\nconnection: {database: x}",
			driver: "postgres", dsn: "postgres://localhost:5432/x"},
		{name: "pg socket", yaml: "client: pg\nconnection: {host: /var/run/postgresql, user: u}",
			driver: "postgres", dsn: "postgres://u@/callboard?host=%2Fvar%2Frun%2Fpostgresql&port=5432"},
		{name: "unknown client", yaml: "client: mysql2",
			err: `a.yaml:3: backend.database.client: unknown client "mysql2"; allowed: better-sqlite3, sqlite3, pg`},
		{name: "sqlite with host", yaml: "client: better-sqlite3\nconnection: {host: db}",
			err: "a.yaml:4: backend.database.connection: host, user and URLs are for client pg; SQLite takes a file name, {filename} or {directory}"},
		{name: "pg with directory", yaml: "client: pg\nconnection: {directory: /data}",
			err: "a.yaml:4: backend.database.connection: filename and directory are for SQLite clients; pg takes a URL or {host, port, user, password, database, ssl}"},
		{name: "pg wrong scheme", yaml: "client: pg\nconnection: mysql://db/x",
			err: "a.yaml:4: backend.database.connection: want a postgres:// or postgresql:// URL"},
		{name: "port not a number", yaml: "client: pg\nconnection:\n  port: five",
			err: `a.yaml:5: backend.database.connection.port: must be a port number, got "five"`},
		{name: "connection list", yaml: "client: pg\nconnection:\n  - a",
			err: `a.yaml:4: backend.database.connection: want a string or a mapping, got a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yaml := "backend:\n  database:\n" + indent(tc.yaml, "    ")
			c, err := config.Load([]string{"a.yaml"}, env(nil), memFiles(map[string]string{"a.yaml": yaml}))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("Load error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			db := c.Backend.Database
			if db.Driver() != tc.driver || db.DSN() != tc.dsn {
				t.Errorf("Driver(), DSN() = %q, %q; want %q, %q", db.Driver(), db.DSN(), tc.driver, tc.dsn)
			}
		})
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}
