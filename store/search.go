package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"callboard"
)

// Search: documents and their words (migration 0011), satisfying
// callboard.SearchStore. What differs between SQLite (FTS5) and PostgreSQL
// (tsvector) is in searchDialect; the words, the query's meaning and the
// ranking rules are shared, so both answer the same hits.

// searchDialect is how one database stores and matches words.
type searchDialect struct {
	// insert stores one document row and its words (names, title,
	// keywords, body), in tx.
	insert func(ctx context.Context, db *DB, tx *sql.Tx, r *searchRow) error
	// deleteSet removes the documents of one entity and type, in tx.
	deleteSet func(ctx context.Context, db *DB, tx *sql.Tx, entity, typ string) error
	// from is the FROM and WHERE clause matching one query expression
	// (the one ? it holds), with the documents as d.
	from string
	// score is the relevance of a match, higher is better; it takes the
	// query expression as an argument when scoreArg is set.
	score    string
	scoreArg bool
	// expr writes a parsed query as the database's query expression.
	expr func(words []queryWord) string
}

// searchRow is a document as stored.
type searchRow struct {
	key, version                   string
	doc                            *callboard.SearchDocument
	names, title, keywords, body   []string
	nameKey, titleKey, altKey, own string
	kind                           string
}

// maxBodyWords caps the words indexed from one document's text.
const maxBodyWords = 4000

// searchKey is a document's primary key: IDs are unique within a type.
func searchKey(typ, id string) string { return typ + " " + id }

// IndexSearch replaces the documents of each set's entity and type.
// Errors: Invalid (a set without type or entity), Internal.
func (db *DB) IndexSearch(ctx context.Context, sets []callboard.SearchSet) error {
	for _, s := range sets {
		if s.Type == "" || s.Entity == "" {
			return callboard.Errorf(callboard.Invalid, "search: a document set needs a type and an entity")
		}
	}
	const chunk = 200
	for i := 0; i < len(sets); i += chunk {
		part := sets[i:min(i+chunk, len(sets))]
		var terms []string
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			for _, s := range part {
				if err := db.d.search.deleteSet(ctx, db, tx, s.Entity, s.Type); err != nil {
					return err
				}
				for j := range s.Docs {
					r := newSearchRow(&s.Docs[j], s)
					if err := db.d.search.insert(ctx, db, tx, r); err != nil {
						return err
					}
					terms = db.newTerms(terms, r)
				}
			}
			return db.putTerms(ctx, tx, terms)
		})
		if err != nil {
			db.forgetTerms(terms)
			return db.classify(err, "search index")
		}
	}
	return nil
}

// newSearchRow prepares a document for storage.
func newSearchRow(d *callboard.SearchDocument, s callboard.SearchSet) *searchRow {
	d.Type, d.Entity = s.Type, s.Entity
	body := indexWords(d.Text)
	if len(body) > maxBodyWords {
		body = body[:maxBodyWords]
	}
	return &searchRow{
		key: searchKey(s.Type, d.ID), version: s.Version, doc: d,
		names:    indexWords(d.Name, d.AltName),
		title:    indexWords(d.Title),
		keywords: indexWords(d.Keywords...),
		body:     body,
		nameKey:  matchKey(d.Name), titleKey: matchKey(d.Title), altKey: matchKey(d.AltName),
		own: strings.ToLower(d.Owner), kind: strings.ToLower(d.Kind),
	}
}

// matchKey is a name as compared for exact and prefix matches: its runs
// of letters and digits, lowercase, separated by single spaces
// ("zhang.wei" and "Zhang Wei" are both "zhang wei").
func matchKey(s string) string {
	runs := splitRuns(s)
	words := make([]string, len(runs))
	for i, r := range runs {
		words[i] = r.text
	}
	return strings.Join(words, " ")
}

// The vocabulary of latin words, for typo matching. Each process
// remembers the words it has written, so that reindexing writes only new
// ones; the memory is dropped past knownTermsMax words.
var (
	knownTermsMu sync.Mutex
	knownTerms   = map[*DB]map[string]bool{}
)

const knownTermsMax = 1 << 20

// newTerms appends the vocabulary words of r that db has not written.
func (db *DB) newTerms(terms []string, r *searchRow) []string {
	knownTermsMu.Lock()
	defer knownTermsMu.Unlock()
	known := knownTerms[db]
	if known == nil || len(known) > knownTermsMax {
		known = map[string]bool{}
		knownTerms[db] = known
	}
	for _, ws := range [][]string{r.names, r.title, r.keywords, r.body} {
		for _, w := range ws {
			if !known[w] && vocabWord(w) {
				known[w] = true
				terms = append(terms, w)
			}
		}
	}
	return terms
}

// forgetTerms drops words whose write was rolled back.
func (db *DB) forgetTerms(terms []string) {
	knownTermsMu.Lock()
	defer knownTermsMu.Unlock()
	for _, t := range terms {
		delete(knownTerms[db], t)
	}
}

// putTerms adds words to the vocabulary.
func (db *DB) putTerms(ctx context.Context, tx *sql.Tx, terms []string) error {
	n := db.d.rowsPerInsert(1)
	for i := 0; i < len(terms); i += n {
		part := terms[i:min(i+n, len(terms))]
		q := "INSERT INTO search_terms (term) VALUES " + strings.TrimSuffix(strings.Repeat("(?),", len(part)), ",") +
			" ON CONFLICT (term) DO NOTHING"
		args := make([]any, len(part))
		for j, t := range part {
			args[j] = t
		}
		if _, err := tx.ExecContext(ctx, db.d.rebind(q), args...); err != nil {
			return err
		}
	}
	return nil
}

// SearchVersions returns the version of every indexed set of typ.
func (db *DB) SearchVersions(ctx context.Context, typ string) (map[string]string, error) {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT DISTINCT entity, version FROM search_documents WHERE type = ?`), typ)
	if err != nil {
		return nil, db.classify(err, "search versions")
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, v string
		if err := rows.Scan(&e, &v); err != nil {
			return nil, db.classify(err, "search versions")
		}
		out[e] = v
	}
	return out, db.classify(rows.Err(), "search versions")
}

// expandTypos adds to each latin word of four letters or more the
// vocabulary words within its typo distance that start with the same
// letter (a first letter is rarely mistyped, and it keeps the scan
// short).
func (db *DB) expandTypos(ctx context.Context, words []queryWord) error {
	for i := range words {
		w := &words[i]
		n := utf8.RuneCountInString(w.text)
		max := typoDistance(n)
		if w.cjk || max == 0 {
			continue
		}
		first, _ := utf8.DecodeRuneInString(w.text)
		lo := string(first)
		rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT term FROM search_terms
			WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?`), lo, nextPrefix(lo), n-max, n+max)
		if err != nil {
			return err
		}
		rw := []rune(w.text)
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			if t != w.text && !strings.HasPrefix(t, w.text) && editDistance(rw, []rune(t), max) <= max {
				w.alts = append(w.alts, queryAlt{word: t})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(w.alts) > 20 {
			w.alts = w.alts[:20]
		}
	}
	return nil
}

// Search runs q: see callboard.SearchStore.
func (db *DB) Search(ctx context.Context, q callboard.SearchQuery) (*callboard.SearchAnswer, error) {
	words := parseQuery(q.Term)
	ans := &callboard.SearchAnswer{}
	if len(words) == 0 {
		return ans, nil
	}
	if err := db.expandTypos(ctx, words); err != nil {
		return nil, db.classify(err, "search")
	}
	for _, w := range words {
		for _, a := range w.alts {
			ans.Words = append(ans.Words, a.word)
		}
	}
	sq := db.newSearchSQL(q, words)
	var err error
	if q.Allow == nil {
		err = db.searchAll(ctx, q, sq, ans)
	} else {
		err = db.searchAllowed(ctx, q, sq, ans)
	}
	if err != nil {
		return nil, db.classify(err, "search")
	}
	return ans, nil
}

// searchSQL holds the parts of a query's SQL and their arguments.
type searchSQL struct {
	from      string
	fromArgs  []any
	rank      string // "boost, score" columns
	rankArgs  []any
	order     string
	filter    string // AND ... for types, kinds and owners
	filterArg []any
}

func (db *DB) newSearchSQL(q callboard.SearchQuery, words []queryWord) *searchSQL {
	sd := db.d.search
	expr := sd.expr(words)
	s := &searchSQL{from: sd.from, fromArgs: []any{expr}}
	// Names, titles and display names that equal the term (or, for one
	// word, a near spelling of it) come first, then those it begins, then
	// those with a word it begins; entities before docs sections, and
	// shorter names first, among those. The database's relevance orders
	// the rest.
	key := matchKey(q.Term)
	exact := []string{key}
	if len(words) == 1 {
		for _, a := range words[0].alts {
			exact = append(exact, a.word)
		}
	}
	var args []any
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(exact)), ",") + ")"
	cond := func(op string, vals ...any) string {
		var parts []string
		for _, col := range []string{"d.name_key", "d.title_key", "d.alt_key"} {
			if op == "IN" {
				parts = append(parts, col+" IN "+in)
			} else {
				parts = append(parts, col+" LIKE ? ESCAPE '\\'")
			}
			args = append(args, vals...)
		}
		return "(" + strings.Join(parts, " OR ") + ")"
	}
	exactArgs := make([]any, len(exact))
	for i, e := range exact {
		exactArgs[i] = e
	}
	docs := "d.type = '" + callboard.SearchTypeTechDocs + "'"
	level := func(c string, n int) string {
		return " WHEN " + c + " THEN CASE WHEN " + docs + " THEN " + strconv.Itoa(n-1) + " ELSE " + strconv.Itoa(n) + " END"
	}
	like := escapeLike(key)
	boost := "CASE" + level(cond("IN", exactArgs...), 6) + level(cond("LIKE", like+"%"), 4) + level(cond("LIKE", "% "+like+"%"), 2) + " ELSE 0 END"
	boostArgs := slices.Clone(args)
	args = args[:0]
	tie := "CASE WHEN " + cond("LIKE", like+"%") + " OR " + cond("LIKE", "% "+like+"%") + " OR " + cond("IN", exactArgs...) +
		" THEN length(d.name_key) + length(d.title_key) ELSE 0 END"
	s.rank = boost + " AS boost, " + tie + " AS tie, " + sd.score + " AS score"
	s.rankArgs = slices.Concat(boostArgs, args)
	if sd.scoreArg {
		s.rankArgs = append(s.rankArgs, expr)
	}
	s.order = ` ORDER BY boost DESC, tie, score DESC, d.id`
	add := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		s.filter += " AND " + col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",") + ")"
		for _, v := range vals {
			s.filterArg = append(s.filterArg, v)
		}
	}
	add("d.type", q.Types)
	add("d.kind", lowerAll(q.Kinds))
	add("d.owner", lowerAll(q.Owners))
	return s
}

// escapeLike escapes LIKE's wildcards in s, with \ as the escape.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchAll answers a caller who may read everything: the database counts
// and pages.
func (db *DB) searchAll(ctx context.Context, q callboard.SearchQuery, s *searchSQL, ans *callboard.SearchAnswer) error {
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT d.type, d.kind, d.owner, count(*) FROM `+s.from+
		` GROUP BY d.type, d.kind, d.owner`), s.fromArgs...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var g callboard.SearchGroup
		if err := rows.Scan(&g.Type, &g.Kind, &g.Owner, &g.Count); err != nil {
			rows.Close()
			return err
		}
		ans.Groups = append(ans.Groups, g)
		if groupPasses(g, q) {
			ans.Total += g.Count
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if ans.Total == 0 || q.Offset >= ans.Total {
		return nil
	}
	args := slices.Concat(s.rankArgs, s.fromArgs, s.filterArg, []any{max(q.Limit, 1), q.Offset})
	rows, err = db.read.QueryContext(ctx, db.d.rebind(`SELECT d.document, `+s.rank+` FROM `+s.from+s.filter+s.order+` LIMIT ? OFFSET ?`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHit(rows)
		if err != nil {
			return err
		}
		ans.Hits = append(ans.Hits, h)
	}
	return rows.Err()
}

// scanHit reads a document, boost, score row.
func scanHit(rows *sql.Rows) (callboard.SearchHit, error) {
	var body string
	var boost, tie int
	var score float64
	if err := rows.Scan(&body, &boost, &tie, &score); err != nil {
		return callboard.SearchHit{}, err
	}
	var h callboard.SearchHit
	if err := json.Unmarshal([]byte(body), &h.Doc); err != nil {
		return h, err
	}
	h.Score = float64(boost)*1000 + score
	return h, nil
}

// groupPasses reports whether the matches of g pass q's filters.
func groupPasses(g callboard.SearchGroup, q callboard.SearchQuery) bool {
	in := func(v string, set []string) bool {
		return len(set) == 0 || slices.ContainsFunc(set, func(s string) bool { return strings.EqualFold(s, v) })
	}
	return in(g.Type, q.Types) && in(g.Kind, q.Kinds) && in(g.Owner, q.Owners)
}

// defaultMaxCandidates bounds the matches considered for a caller who
// may not read everything.
const defaultMaxCandidates = 2000

// searchAllowed answers a caller who may read only some entities: the
// best matches are fetched in rank order, those of entities the caller
// may not read dropped, and the rest counted and paged here.
func (db *DB) searchAllowed(ctx context.Context, q callboard.SearchQuery, s *searchSQL, ans *callboard.SearchAnswer) error {
	limit := q.MaxCandidates
	if limit <= 0 {
		limit = defaultMaxCandidates
	}
	args := slices.Concat(s.rankArgs, s.fromArgs, []any{limit})
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT d.id, d.entity, d.type, d.kind, d.owner, `+s.rank+` FROM `+s.from+s.order+` LIMIT ?`), args...)
	if err != nil {
		return err
	}
	type cand struct {
		id string
		g  callboard.SearchGroup
		e  string
	}
	var cands []cand
	var entities []string
	seen := map[string]bool{}
	for rows.Next() {
		var c cand
		var boost, tie int
		var score float64
		if err := rows.Scan(&c.id, &c.e, &c.g.Type, &c.g.Kind, &c.g.Owner, &boost, &tie, &score); err != nil {
			rows.Close()
			return err
		}
		cands = append(cands, c)
		if !seen[c.e] {
			seen[c.e] = true
			entities = append(entities, c.e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ok, err := q.Allow(ctx, entities)
	if err != nil {
		return err
	}
	allowed := map[string]bool{}
	for i, e := range entities {
		allowed[e] = i < len(ok) && ok[i]
	}
	groups := map[callboard.SearchGroup]int{}
	var page []string
	for _, c := range cands {
		if !allowed[c.e] {
			continue
		}
		groups[c.g]++
		if groupPasses(c.g, q) {
			if ans.Total >= q.Offset && len(page) < q.Limit {
				page = append(page, c.id)
			}
			ans.Total++
		}
	}
	for g, n := range groups {
		g.Count = n
		ans.Groups = append(ans.Groups, g)
	}
	if len(page) == 0 {
		return nil
	}
	docs, err := db.searchDocs(ctx, page)
	if err != nil {
		return err
	}
	for i, id := range page {
		if d, ok := docs[id]; ok {
			ans.Hits = append(ans.Hits, callboard.SearchHit{Doc: d, Score: float64(len(page) - i)})
		}
	}
	return nil
}

// searchDocs loads documents by key.
func (db *DB) searchDocs(ctx context.Context, keys []string) (map[string]callboard.SearchDocument, error) {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT id, document FROM search_documents WHERE id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",")+`)`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]callboard.SearchDocument, len(keys))
	for rows.Next() {
		var id, body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		var d callboard.SearchDocument
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			return nil, err
		}
		out[id] = d
	}
	return out, rows.Err()
}

var _ callboard.SearchStore = (*DB)(nil)
