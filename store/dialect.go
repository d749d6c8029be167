package store

import (
	"database/sql"
	"errors"
	"runtime"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"callboard"
)

// dialect is the complete list of differences between SQLite and PostgreSQL
// that the query code needs to know. Query methods use its fields and never
// compare driver names. Schema differences live in migrations/<name>/.
type dialect struct {
	// name is "sqlite" or "postgres": the value of (*DB).Dialect and the
	// folder of the dialect's migrations.
	name string
	// open returns the pool for write transactions and the pool for reads;
	// they may be the same pool.
	open func(dsn string) (write, read *sql.DB, err error)
	// rebind rewrites the "?" placeholders of shared SQL into the dialect's.
	rebind func(query string) string
	// maxParams is the most bind parameters one statement may carry.
	maxParams int
	// maxRows caps the rows of one multi-row statement, below what
	// maxParams allows: past it, bigger statements stop paying off.
	maxRows int
	// detachExec runs the statements of a multi-statement write without
	// the caller's context, checking it between statements instead: for
	// drivers that pay per statement for watching a context.
	detachExec bool
	// isUniqueErr reports whether err is a unique or primary key violation.
	isUniqueErr func(error) bool
	// migrateLock runs first in the migration transaction so that processes
	// opening one database at once apply each migration once; "" for none.
	migrateLock string
	// migrationsTable creates the table of applied migration versions.
	migrationsTable string
	// checkpoint, run on a read connection after write transactions, moves
	// the WAL into the database off the writer's path; "" for none.
	checkpoint string
	// analyze refreshes the planner's statistics after bulk writes, so that
	// a freshly loaded catalog is not planned as an empty one; "" for none.
	analyze string
	// claimTask selects the ID of the oldest open task for ClaimTask's
	// UPDATE. PostgreSQL locks the row and skips rows other claimers hold;
	// SQLite needs nothing: its one write connection serialises claims.
	claimTask string
	// nowMillis is an SQL expression for the database's clock in Unix
	// milliseconds: leases expire by it, not by each replica's clock.
	nowMillis string
	// changeLock runs before a transaction appends change-log rows and
	// holds until commit, so that seq follows commit order (logChanges);
	// "" for none. changeNotify wakes the other replicas' followers at
	// commit; "" for none (they poll).
	changeLock, changeNotify string
	// arrays binds arrays: the rows of a bulk insert go as one array a
	// column (insertRows) instead of a multi-row VALUES list, and the
	// values of an IN list as one array (inCond).
	arrays bool
	// compressBodies stores entity bodies compressed (body.go): on SQLite,
	// whose commits write whole pages twice, their size is most of what
	// an ingest writes.
	compressBodies bool
	// search stores and matches search words (search_dialect.go).
	search *searchDialect
}

// rowsPerInsert is the number of rows of cols columns that one multi-row
// statement carries.
func (d *dialect) rowsPerInsert(cols int) int {
	return min(d.maxRows, d.maxParams/cols)
}

// dialects maps the driver names Open accepts to their dialect.
var dialects = map[string]*dialect{
	"sqlite":     &sqliteDialect,
	"sqlite3":    &sqliteDialect,
	"postgres":   &postgresDialect,
	"postgresql": &postgresDialect,
	"pg":         &postgresDialect,
}

var sqliteDialect = dialect{
	name:      "sqlite",
	open:      openSQLite,
	rebind:    func(q string) string { return q },
	maxParams: 32766, // SQLITE_MAX_VARIABLE_NUMBER since 3.32
	// A statement of several rows that may fail half-way keeps a statement
	// journal of the pages it changes; at 500 rows these journals were a
	// large part of a bulk put's CPU time and memory. One row per statement
	// needs none, but then database/sql's and the driver's cost per call
	// dominates. A few dozen rows keep both small.
	maxRows: 32,
	// modernc starts a goroutine per statement to watch a context that can
	// be cancelled.
	detachExec: true,
	isUniqueErr: func(err error) bool {
		var e *sqlite.Error
		if !errors.As(err, &e) {
			return false
		}
		c := e.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at TIMESTAMP NOT NULL
	)`,
	checkpoint: `PRAGMA wal_checkpoint(PASSIVE)`,
	claimTask:  `SELECT id FROM tasks WHERE status = 'open' ORDER BY seq LIMIT 1`,
	nowMillis:  `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`,
	search:     &sqliteSearch,
	// 109 MB of JSON bodies became 43 MB at 100,000 entities.
	compressBodies: true,
}

var postgresDialect = dialect{
	name:      "postgres",
	open:      openPostgres,
	rebind:    rebindDollar,
	maxParams: 65535, // the wire protocol's int16 parameter count
	maxRows:   2000,
	// At 100,000 entities (bench catalog -db postgres) the ingest's store
	// writes took 10.0 s with VALUES lists of 2,000 rows, 8.3-8.6 s with
	// arrays, and the process's CPU fell by 1.1-1.4 s.
	arrays: true,
	isUniqueErr: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505" // unique_violation
	},
	// The lock key is per schema: test schemas migrate in parallel.
	migrateLock: `SELECT pg_advisory_xact_lock(hashtext('callboard.migrate.' || coalesce(current_schema(), '')))`,
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL
	)`,
	// Without statistics, IN lists over edge_origins are planned as
	// sequential scans until autovacuum gets to the tables; so are
	// searches of search_documents' words (GIN).
	analyze:   `ANALYZE entities, edge_origins, search_documents, search_terms`,
	claimTask: `SELECT id FROM tasks WHERE status = 'open' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`,
	nowMillis: `CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)`,
	// Per schema, like migrateLock: test schemas write in parallel.
	changeLock:   `SELECT pg_advisory_xact_lock(hashtext('callboard.changelog.' || coalesce(current_schema(), '')))`,
	changeNotify: `SELECT pg_notify('` + changeChannel + `', coalesce(current_schema(), ''))`,
	search:       &postgresSearch,
}

// sqlitePragmas apply to every SQLite connection. busy_timeout covers other
// processes; inside this one, writes are serialised by the one-connection
// write pool. journal_mode uses the _journal_mode key, which modernc applies
// after the _pragma list, so that a page_size given in the DSN can still take
// effect on a new database. Times are written as
// "2006-01-02 15:04:05.999999999-07:00" and read back as time.Time from
// TIMESTAMP columns.
const sqlitePragmas = "_pragma=busy_timeout(5000)&_journal_mode=WAL&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=journal_size_limit(67108864)&_time_format=sqlite"

// sqliteWritePragmas apply to the write connection only: a bounded page
// cache, the write lock taken when a transaction begins (no SQLITE_BUSY
// when a reader's transaction would upgrade), and automatic checkpoints
// only as a backstop to the background ones (dialect.checkpoint), which
// keep checkpoint I/O off the writer. The cache costs about twice its size
// in RSS (modernc's allocator gives each 4 KiB page an 8 KiB slot); 64 MiB
// of it was ~130 MB of a 100,000-entity ingest's peak RSS. At 16 MiB a
// large batch's index pages still fit; 8 MiB once made EdgesFrom ~50%
// slower afterwards (the cause is not understood). Readers keep SQLite's
// default of 2 MB each.
const sqliteWritePragmas = "&_pragma=cache_size(-16384)&_pragma=wal_autocheckpoint(16384)&_txlock=immediate"

// openSQLite opens a file database as two pools: one connection that takes
// the write lock when its transactions begin (so writers queue in Go instead
// of failing with SQLITE_BUSY), and several read-only connections that WAL
// lets read while a write is in progress. ":memory:" gets one pool of one
// connection, since each connection to it would be a separate database.
func openSQLite(dsn string) (write, read *sql.DB, err error) {
	if dsn == "" {
		return nil, nil, callboard.Errorf(callboard.Invalid, "sqlite: empty database path")
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	base := dsn + sep + sqlitePragmas
	memory := strings.HasPrefix(dsn, ":memory:") || strings.Contains(dsn, "mode=memory")

	write, err = sql.Open("sqlite", base+sqliteWritePragmas)
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if memory {
		return write, write, nil
	}
	read, err = sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return write, read, nil
}

// openPostgres opens one pool for reads and writes.
func openPostgres(dsn string) (write, read *sql.DB, err error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxIdleConns(10)
	return db, db, nil
}

// rebindDollar numbers the "?" placeholders of q as $1, $2, …, leaving
// question marks inside quoted strings and identifiers alone.
func rebindDollar(q string) string {
	if strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + len(q)/4)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
