package config

import (
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Database is backend.database, reduced to what callboard opens.
//
// Backstage (Knex) forms accepted:
//
//	client: better-sqlite3 | sqlite3
//	connection: ':memory:' | ./file.sqlite | {filename: x} | {directory: /data}
//
//	client: pg
//	connection: postgres://user:pw@host:5432/db   (or a key=value string)
//	connection: {host, port, user, password, database, ssl}
//
// Backstage makes one database (or schema) per plugin and, with a directory,
// one SQLite file per plugin. callboard keeps everything in one database:
// connection.database when set, otherwise "callboard"; with a directory,
// the file callboard.sqlite in it. SQLite with no connection is ':memory:',
// as in Backstage.
type Database struct {
	Client string // as written: "better-sqlite3", "sqlite3" or "pg"

	// SQLite.
	Path string // file path or ":memory:"

	// PostgreSQL: either URL (connection given as a string) or the parts.
	URL      string
	Host     string
	Port     int // 0 means 5432
	User     string
	Password string
	Name     string // database name; "" means DefaultDatabaseName
	SSLMode  string // "" (driver default), "require" or "disable"
}

// The Knex clients callboard understands, in the order error messages list them.
var databaseClients = []string{"better-sqlite3", "sqlite3", "pg"}

// Driver returns "sqlite" or "postgres", or "" for an unknown client.
func (d Database) Driver() string {
	switch d.Client {
	case "better-sqlite3", "sqlite3":
		return "sqlite"
	case "pg":
		return "postgres"
	}
	return ""
}

// DSN returns what the driver opens: the SQLite file path (or ":memory:"),
// or a PostgreSQL connection string. A URL built from parts escapes the
// user name, password and database name.
func (d Database) DSN() string {
	switch d.Driver() {
	case "sqlite":
		return d.Path
	case "postgres":
		if d.URL != "" {
			return d.URL
		}
		u := url.URL{Scheme: "postgres", Path: "/" + d.name()}
		if d.User != "" {
			if d.Password != "" {
				u.User = url.UserPassword(d.User, d.Password)
			} else {
				u.User = url.User(d.User)
			}
		}
		port := d.Port
		if port == 0 {
			port = 5432
		}
		q := url.Values{}
		switch {
		case strings.HasPrefix(d.Host, "/"): // a Unix socket directory
			q.Set("host", d.Host)
			q.Set("port", strconv.Itoa(port))
		case d.Host == "":
			u.Host = net.JoinHostPort("localhost", strconv.Itoa(port))
		default:
			u.Host = net.JoinHostPort(d.Host, strconv.Itoa(port))
		}
		if d.SSLMode != "" {
			q.Set("sslmode", d.SSLMode)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	return ""
}

func (d Database) name() string {
	if d.Name != "" {
		return d.Name
	}
	return DefaultDatabaseName
}

// validate reports an unknown client and forms that do not fit the client.
func (d Database) validate(c *Config) []error {
	var errs []error
	switch d.Driver() {
	case "":
		errs = append(errs, c.problem("backend.database.client",
			"unknown client %q; allowed: %s", d.Client, strings.Join(databaseClients, ", ")))
	case "sqlite":
		switch {
		case d.Host != "" || d.URL != "" || d.User != "":
			errs = append(errs, c.problem("backend.database.connection",
				"host, user and URLs are for client pg; SQLite takes a file name, {filename} or {directory}"))
		case d.Path == "":
			errs = append(errs, c.problem("backend.database.connection", "empty SQLite file name"))
		}
	case "postgres":
		if d.Path != "" {
			errs = append(errs, c.problem("backend.database.connection",
				"filename and directory are for SQLite clients; pg takes a URL or {host, port, user, password, database, ssl}"))
		}
		if d.URL != "" && strings.Contains(d.URL, "://") {
			if u, err := url.Parse(d.URL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
				errs = append(errs, c.problem("backend.database.connection",
					"want a postgres:// or postgresql:// URL"))
			}
		}
		if d.Port < 0 || d.Port > 65535 {
			errs = append(errs, c.problem("backend.database.connection.port", "must be between 1 and 65535, got %d", d.Port))
		}
	}
	return errs
}

// database is backend.database as written, before build.
type database struct {
	Client     string      `yaml:"client"`
	Connection *connection `yaml:"connection"`
}

// connection is a Knex connection: a string, or a mapping of the keys below.
type connection struct {
	str       string
	isString  bool
	host      string
	port      int
	user      string
	password  string
	database  string
	filename  string
	directory string
	ssl       string // "require", "disable" or ""
}

// UnmarshalYAML reads both connection forms and checks the mapping's keys.
func (c *connection) UnmarshalYAML(n *yaml.Node) error {
	var te typeErrors
	switch n.Kind {
	case yaml.ScalarNode:
		c.str, c.isString = n.Value, true
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value != "ssl" && v.Kind != yaml.ScalarNode {
				te.coll(v, "want a string, got %s", describe(v))
				continue
			}
			switch k.Value {
			case "host":
				c.host = v.Value
			case "port":
				p, err := strconv.Atoi(v.Value)
				if err != nil {
					te.value(v, "must be a port number, got %s", describe(v))
				}
				c.port = p
			case "user":
				c.user = v.Value
			case "password":
				c.password = v.Value
			case "database":
				c.database = v.Value
			case "filename":
				c.filename = v.Value
			case "directory":
				c.directory = v.Value
			case "ssl":
				// Backstage passes ssl to node-postgres: a boolean or a TLS
				// options object ({rejectUnauthorized, ca, ...}). Any object
				// means TLS is wanted; we ask for sslmode=require.
				switch v.Kind {
				case yaml.MappingNode:
					c.ssl = "require"
				case yaml.ScalarNode:
					b, err := strconv.ParseBool(v.Value)
					switch {
					case err != nil:
						te.value(v, "want true, false or a mapping of TLS options, got %s", describe(v))
					case b:
						c.ssl = "require"
					default:
						c.ssl = "disable"
					}
				default:
					te.coll(v, "want true, false or a mapping of TLS options, got %s", describe(v))
				}
			default:
				te.key(k, "unknown key; want host, port, user, password, database, ssl, filename or directory")
			}
		}
	default:
		te.coll(n, "want a string or a mapping, got %s", describe(n))
	}
	return te.err()
}

// build turns the written form into a Database; validate judges the result.
func (d database) build() Database {
	db := Database{Client: d.Client}
	if db.Driver() == "sqlite" && d.Connection == nil {
		db.Path = ":memory:"
	}
	c := d.Connection
	if c == nil {
		return db
	}
	switch {
	case c.isString && db.Driver() == "sqlite":
		db.Path = c.str
	case c.isString:
		db.URL = c.str
	default:
		db.Host, db.Port, db.User, db.Password, db.Name, db.SSLMode =
			c.host, c.port, c.user, c.password, c.database, c.ssl
		switch {
		case c.filename != "":
			db.Path = c.filename
		case c.directory != "":
			db.Path = filepath.Join(c.directory, "callboard.sqlite")
		}
	}
	return db
}
