package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// sqliteSearch keeps words in the FTS5 table search_fts, whose rowid is
// the document's; its column filters find the tiers.
var sqliteSearch = searchDialect{
	insert: func(ctx context.Context, db *DB, tx *sql.Tx, r *searchRow) error {
		body, err := json.Marshal(r.doc)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO search_documents
			(id, type, entity, kind, owner, name_key, title_key, alt_key, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.key, r.doc.Type, r.doc.Entity, r.kind, r.own, r.nameKey, r.titleKey, r.altKey, r.version)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_bodies (rowid, document) VALUES (?, ?)`, id, string(body)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, names, title, keywords, body) VALUES (?, ?, ?, ?, ?)`,
			id, strings.Join(r.names, " "), strings.Join(r.title, " "), strings.Join(r.keywords, " "), strings.Join(r.body, " "))
		return err
	},
	deleteSet: func(ctx context.Context, db *DB, tx *sql.Tx, entity, typ string) error {
		for _, table := range []string{"search_fts", "search_bodies"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE rowid IN
				(SELECT rowid FROM search_documents WHERE entity = ? AND type = ?)`, entity, typ); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM search_documents WHERE entity = ? AND type = ?`, entity, typ)
		return err
	},
	match: func(words []queryWord, tier int) (string, []any) {
		e := sqliteExpr(words, 0)
		switch tier {
		case tierKeywords:
			e = "(" + sqliteExpr(words, tierKeywords) + ") NOT (" + sqliteExpr(words, tierNames) + ")"
		case tierText:
			e = "(" + e + ") NOT (" + sqliteExpr(words, tierKeywords) + ")"
		case tierNames:
			e = sqliteExpr(words, tierNames)
		}
		return `search_fts JOIN search_documents d ON d.rowid = search_fts.rowid WHERE search_fts MATCH ?`, []any{e}
	},
	member: func(words []queryWord, tier, n int) (string, []any) {
		return `SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid IN (` + marks(n) + `)`, []any{sqliteExpr(words, tier)}
	},
	count:  `SELECT count(*) FROM search_fts WHERE search_fts MATCH ?`,
	key:    `d.rowid`,
	bodies: `search_documents d JOIN search_bodies b ON b.rowid = d.rowid`,
	body:   `b.document`,
	expr:   sqliteExpr,
}

// sqliteExpr writes words as an FTS5 query, in all columns or in those
// of a tier.
func sqliteExpr(words []queryWord, tier int) string {
	e := queryExpr(words, " AND ", " OR ", func(a queryAlt) string {
		s := `"` + a.word + `"`
		if a.prefix {
			s += "*"
		}
		return s
	})
	switch tier {
	case tierNames:
		return "{names title} : (" + e + ")"
	case tierKeywords:
		return "{names title keywords} : (" + e + ")"
	}
	return e
}

// postgresSearch keeps words in three tsvector columns, each under a GIN
// index: words (everything), key_words (names, title and keywords) and
// names_words (names and title), so that the tiers are plain matches
// (a match with weights would make PostgreSQL recheck every row's words).
// The documents are apart in search_bodies, so that counting reads narrow
// rows.
var postgresSearch = searchDialect{
	insert: func(ctx context.Context, db *DB, tx *sql.Tx, r *searchRow) error {
		body, err := json.Marshal(r.doc)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO search_documents
			(id, type, entity, kind, owner, name_key, title_key, alt_key, version, words, key_words, names_words)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CAST($10 AS tsvector), CAST($11 AS tsvector), CAST($12 AS tsvector))`,
			r.key, r.doc.Type, r.doc.Entity, r.kind, r.own, r.nameKey, r.titleKey, r.altKey, r.version,
			tsvector(r.names, r.title, r.keywords, r.body), tsvector(r.names, r.title, r.keywords), tsvector(r.names, r.title))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO search_bodies (id, document) VALUES ($1, $2)`, r.key, string(body))
		return err
	},
	deleteSet: func(ctx context.Context, db *DB, tx *sql.Tx, entity, typ string) error {
		// The ids as constants: PostgreSQL planned a subquery here as a
		// scan of every body.
		rows, err := tx.QueryContext(ctx, `DELETE FROM search_documents WHERE entity = $1 AND type = $2 RETURNING id`, entity, typ)
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, db.d.rebind(`DELETE FROM search_bodies WHERE id IN (`+marks(len(ids))+`)`), ids...)
		return err
	},
	match: func(words []queryWord, tier int) (string, []any) {
		e := postgresExpr(words, 0)
		from := `search_documents d WHERE `
		switch tier {
		case tierNames:
			return from + `d.names_words @@ CAST(? AS tsquery)`, []any{e}
		case tierKeywords:
			return from + `d.key_words @@ CAST(? AS tsquery) AND NOT d.names_words @@ CAST(? AS tsquery)`, []any{e, e}
		case tierText:
			return from + `d.words @@ CAST(? AS tsquery) AND NOT d.key_words @@ CAST(? AS tsquery)`, []any{e, e}
		}
		return from + `d.words @@ CAST(? AS tsquery)`, []any{e}
	},
	member: func(words []queryWord, tier, n int) (string, []any) {
		col := map[int]string{tierNames: "names_words", tierKeywords: "key_words"}[tier]
		if col == "" {
			col = "words"
		}
		return `SELECT d.id FROM search_documents d WHERE d.` + col + ` @@ CAST(? AS tsquery) AND d.id IN (` + marks(n) + `)`,
			[]any{postgresExpr(words, 0)}
	},
	count:    `SELECT count(*) FROM search_documents d WHERE d.words @@ CAST(? AS tsquery)`,
	open:     openPostgresSearch,
	estimate: postgresEstimate,
	// About 300 pages of the table, the same ones each time (so that
	// pages of one search show one total).
	sample: `search_documents d TABLESAMPLE SYSTEM ((SELECT least(100, 30000.0 / greatest(relpages, 1))
		FROM pg_class WHERE oid = 'search_documents'::regclass)) REPEATABLE (1) WHERE d.words @@ CAST(? AS tsquery)`,
	analyze: `ANALYZE search_documents, search_bodies`,
	key:     `d.id`,
	bodies:  `search_bodies d`,
	body:    `d.document`,
	expr:    postgresExpr,
}

// openPostgresSearch opens the pool searches read with. Every statement
// of a search has an index to use (GIN on the words, btree on keys, ids
// and terms), but with a LIMIT and a common word, the planner chose to
// scan the table, expecting to meet enough matches early, and read
// 100,000 rows when they were at its end. Refusing sequential scans makes
// it use the indexes; as a refused plan costs more than jit_above_cost,
// JIT compiling is off too; and no parallel plans, whose Append could
// interleave the tiers (tierRows reads them in order). Session settings
// of a pool of its own cost no round trip per search.
func openPostgresSearch(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{"enable_seqscan": "off", "jit": "off", "max_parallel_workers_per_gather": "0"} {
		cfg.RuntimeParams[k] = v
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxIdleConns(10)
	return db, nil
}

// postgresEstimate counts the matches of words as the GIN index of words
// finds them, without reading their rows: the rows that its bitmap scan
// produced, which EXPLAIN ANALYZE reports, for the cost of reading one
// row. It counts the versions not yet vacuumed of changed documents too,
// so it is about right. When the plan is not the expected one, it
// counts exactly.
func postgresEstimate(ctx context.Context, db *DB, rq searchQuerier, words []queryWord) (int, error) {
	var plan string
	err := rq.QueryRowContext(ctx, `EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, FORMAT JSON)
		SELECT 1 FROM search_documents d WHERE d.words @@ CAST($1 AS tsquery) LIMIT 1`, postgresExpr(words, 0)).Scan(&plan)
	if err != nil {
		return 0, err
	}
	var nodes []explainNode
	if json.Unmarshal([]byte(plan), &nodes) == nil && len(nodes) == 1 {
		if n, ok := nodes[0].Plan.indexRows("search_documents_words"); ok {
			return n, nil
		}
	}
	var n int
	err = rq.QueryRowContext(ctx, db.d.rebind(db.d.search.count), postgresExpr(words, 0)).Scan(&n)
	return n, err
}

// explainNode is a plan node of EXPLAIN (FORMAT JSON), as far as
// postgresEstimate reads it.
type explainNode struct {
	Plan explainPlan
}

type explainPlan struct {
	NodeType   string        `json:"Node Type"`
	IndexName  string        `json:"Index Name"`
	ActualRows *int          `json:"Actual Rows"`
	Plans      []explainPlan `json:"Plans"`
}

// indexRows returns the rows of the bitmap scan of index in p.
func (p explainPlan) indexRows(index string) (int, bool) {
	if p.NodeType == "Bitmap Index Scan" && p.IndexName == index && p.ActualRows != nil {
		return *p.ActualRows, true
	}
	for _, c := range p.Plans {
		if n, ok := c.indexRows(index); ok {
			return n, true
		}
	}
	return 0, false
}

// postgresExpr writes words as a tsquery (tiers are columns).
func postgresExpr(words []queryWord, _ int) string {
	return queryExpr(words, " & ", " | ", func(a queryAlt) string {
		if a.prefix {
			return "'" + a.word + "':*"
		}
		return "'" + a.word + "'"
	})
}

// marks is n comma-separated placeholders.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// queryExpr joins the words with and, each word's alternatives with or.
// Words hold letters and digits only (splitRuns), so quoting them needs
// no escapes.
func queryExpr(words []queryWord, and, or string, alt func(queryAlt) string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		alts := make([]string, len(w.alts))
		for j, a := range w.alts {
			alts[j] = alt(a)
		}
		parts[i] = "(" + strings.Join(alts, or) + ")"
	}
	return strings.Join(parts, and)
}

// tsvector writes the words of the four weighted parts as a tsvector
// literal: each word with its positions and weights. PostgreSQL keeps at
// most 256 positions per word and positions up to 16383.
func tsvector(parts ...[]string) string {
	type occ struct{ pos []string }
	weights := "ABCD"
	seen := map[string]*occ{}
	var order []string
	pos := 0
	for i, words := range parts {
		for _, w := range words {
			pos = min(pos+1, 16383)
			o := seen[w]
			if o == nil {
				o = &occ{}
				seen[w] = o
				order = append(order, w)
			}
			if len(o.pos) < 256 {
				o.pos = append(o.pos, strconv.Itoa(pos)+weights[i:i+1])
			}
		}
	}
	var b strings.Builder
	for i, w := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("'" + w + "':" + strings.Join(seen[w].pos, ","))
	}
	return b.String()
}
