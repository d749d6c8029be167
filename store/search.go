package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
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
	// match is the FROM and WHERE clause, with the documents as d, of the
	// documents matching words in one tier only (tierNames, tierKeywords,
	// tierText: disjoint), or in any (0); and its arguments.
	match func(words []queryWord, tier int) (string, []any)
	// member selects, of n keys (the last n ?), those matching words in
	// the given tier or better (0: anywhere).
	member func(words []queryWord, tier, n int) (string, []any)
	// count counts the matches of one query expression (expr's, tier 0).
	count string
	// analyze refreshes the planner's statistics of the search tables
	// (empty: none needed).
	analyze string
	// open, if set, opens the pool searches read with (with the
	// settings they need); without, they use the read pool.
	open func(dsn string) (*sql.DB, error)
	// estimate, if set, estimates how many documents match words
	// anywhere, more cheaply than count; without, totals are exact.
	estimate func(ctx context.Context, db *DB, rq searchQuerier, words []queryWord) (int, error)
	// sample, with estimate, is the FROM and WHERE clause, with the
	// documents as d, of a sample of the documents matching a query
	// expression (expr's, tier 0).
	sample string
	// key is the column that identifies a document, in d.
	key string
	// bodies is the FROM clause, with d.id the documents' id, of the
	// column body holding their JSON.
	bodies, body string
	// expr writes a parsed query as the database's query expression,
	// matching anywhere, or only in the names, title and keywords
	// (tierKeywords) or in the names and title (tierNames).
	expr func(words []queryWord, tier int) string
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
		n := 0
		for _, s := range part {
			n += len(s.Docs)
		}
		db.wrote(n)
		db.searchGrew(ctx, n)
	}
	return nil
}

// searchWrites counts the documents each DB has written since it last
// analyzed the search tables, and how many it had written then.
var (
	searchWritesMu sync.Mutex
	searchWrites   = map[*DB][2]int{}
)

// searchGrew analyzes the search tables (PostgreSQL) once they have grown
// by half since the last time: planned with the statistics of an empty
// table, deleting a set's documents scanned the whole table.
func (db *DB) searchGrew(ctx context.Context, n int) {
	if db.d.search.analyze == "" {
		return
	}
	searchWritesMu.Lock()
	w := searchWrites[db]
	w[0] += n
	due := w[0] >= max(minAnalyze, w[1]/2)
	if due {
		w = [2]int{0, w[1] + w[0]}
	}
	searchWrites[db] = w
	searchWritesMu.Unlock()
	if due {
		_, _ = db.write.ExecContext(ctx, db.d.search.analyze) // only a plan's quality depends on it
	}
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
func (db *DB) expandTypos(ctx context.Context, rq searchQuerier, words []queryWord) error {
	for i := range words {
		w := &words[i]
		n := utf8.RuneCountInString(w.text)
		max := typoDistance(n)
		if w.cjk || max == 0 {
			continue
		}
		first, _ := utf8.DecodeRuneInString(w.text)
		lo := string(first)
		rows, err := rq.QueryContext(ctx, db.d.rebind(`SELECT term FROM search_terms
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
	err := db.searchRead(ctx, func(rq searchQuerier) error {
		if err := db.expandTypos(ctx, rq, words); err != nil {
			return err
		}
		for _, w := range words {
			for _, a := range w.alts {
				ans.Words = append(ans.Words, a.word)
			}
		}
		return db.searchRanked(ctx, rq, q, words, ans)
	})
	if err != nil {
		return nil, db.classify(err, "search")
	}
	return ans, nil
}

// searchQuerier is what *sql.DB and *sql.Tx share that a search uses.
type searchQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// searchRead runs fn with the pool searches read with.
func (db *DB) searchRead(ctx context.Context, fn func(searchQuerier) error) error {
	if db.d.search.open == nil {
		return fn(db.read)
	}
	db.searchOnce.Do(func() {
		db.searchDB, db.searchErr = db.d.search.open(db.dsn)
	})
	if db.searchErr != nil {
		return db.searchErr
	}
	return fn(db.searchDB)
}

// candidate is one match, as ranked.
type candidate struct {
	key, id, entity string
	g               callboard.SearchGroup
	keys            [3]string // name, title and alt keys
	boost, tier     int
	tie             int
}

// Match tiers: where the query's words were found.
const (
	tierText     = 1 // only the text has them all
	tierKeywords = 2 // names, title and keywords have them all
	tierNames    = 3 // names and title have them all
)

// searchRanked ranks the best matches (see matches) here, counts them by
// group, drops those of entities the caller may not read, and loads the
// bodies of the page only. Ranking needs no per-row relevance function,
// which costs the most at tens of thousands of matches: names, titles and
// display names that equal the term, start with it or have a word
// starting with it come first (boost); then documents having the words in
// their names or title, then in their keywords, then in their text only
// (tier); then shorter names.
func (db *DB) searchRanked(ctx context.Context, rq searchQuerier, q callboard.SearchQuery, words []queryWord, ans *callboard.SearchAnswer) error {
	var cands []candidate
	var err error
	unfiltered := q
	unfiltered.Types, unfiltered.Kinds, unfiltered.Owners = nil, nil, nil
	if q.Allow != nil {
		// Permissions are checked on the best candidates, read without
		// the filters so that the groups show the alternatives.
		limit := q.MaxCandidates
		if limit <= 0 {
			limit = defaultMaxCandidates
		}
		if cands, err = db.matches(ctx, rq, unfiltered, words, max(limit, q.Offset+q.Limit), nil); err != nil {
			return err
		}
	} else {
		// The first matches in tier order, unfiltered, give the groups
		// and the candidates that pass the filters (matches reads more
		// only if they are too few), and the total when they are all.
		// Counted first: once a query has read all the matches (when
		// they are few), the tiers left are not read.
		all, err := db.countAll(ctx, rq, words)
		if err != nil || all == 0 {
			return err
		}
		need := max(maxRead, q.Offset+q.Limit)
		starts, first, err := db.firstMatches(ctx, rq, q, words, need, min(all, maxGrouped+1))
		if err != nil || len(first) == 0 {
			return err
		}
		partial := len(first) > maxGrouped
		first = first[:min(len(first), maxGrouped)]
		ans.Groups, ans.GroupsPartial = groupCands(first), partial
		if partial {
			if ans.Total, err = db.totalMatches(ctx, rq, q, words, all); err != nil {
				return err
			}
		} else {
			for _, g := range ans.Groups {
				if groupPasses(g, q) {
					ans.Total += g.Count
				}
			}
		}
		sample := &tierSample{starts: starts, rows: first, all: !partial}
		if cands, err = db.matches(ctx, rq, q, words, need, sample); err != nil {
			return err
		}
	}
	b := newBooster(q.Term, words)
	for i := range cands {
		b.boost(&cands[i])
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		switch {
		case a.boost != b.boost:
			return b.boost - a.boost
		case a.tier != b.tier:
			return b.tier - a.tier
		case a.tie != b.tie:
			return a.tie - b.tie
		}
		return strings.Compare(a.id, b.id)
	})
	var page []candidate
	if q.Allow != nil {
		if cands, err = allowed(ctx, q, cands); err != nil {
			return err
		}
		groups := map[callboard.SearchGroup]int{}
		for _, c := range cands {
			groups[c.g]++
			if groupPasses(c.g, q) {
				if ans.Total >= q.Offset && len(page) < q.Limit {
					page = append(page, c)
				}
				ans.Total++
			}
		}
		for g, n := range groups {
			g.Count = n
			ans.Groups = append(ans.Groups, g)
		}
	} else if q.Offset < len(cands) {
		page = cands[q.Offset:min(len(cands), q.Offset+q.Limit)]
	}
	slices.SortFunc(ans.Groups, func(a, b callboard.SearchGroup) int {
		// Field by field, as "type kind owner" compares (they hold no
		// spaces), without building the strings: a common word has a
		// thousand groups.
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Owner, b.Owner))
	})
	if len(page) == 0 {
		return nil
	}
	ids := make([]string, len(page))
	for i, c := range page {
		ids[i] = c.id
	}
	docs, err := db.searchDocs(ctx, rq, ids)
	if err != nil {
		return err
	}
	for _, c := range page {
		if d, ok := docs[c.id]; ok {
			ans.Hits = append(ans.Hits, callboard.SearchHit{Doc: d, Score: float64(c.boost*10 + c.tier)})
		}
	}
	return nil
}

// booster scores how well a document's names match the whole term.
type booster struct {
	key   string
	exact map[string]bool
}

func newBooster(term string, words []queryWord) *booster {
	b := &booster{key: matchKey(term), exact: map[string]bool{matchKey(term): true}}
	// One word: a near spelling of it that is a whole name counts as
	// the name.
	if len(words) == 1 {
		for _, a := range words[0].alts {
			b.exact[a.word] = true
		}
	}
	return b
}

// boost sets c.boost: 8 when a name, title or display name equals the
// term, 6 when the term is its first words, 4 when it begins with the
// term, 2 when one of its words does; one less for docs sections, so that
// an entity comes before a page about it. tie is the names' length then.
func (b *booster) boost(c *candidate) {
	level := 0
	for _, k := range c.keys {
		switch {
		case k == "":
		case b.exact[k]:
			level = max(level, 4)
		case strings.HasPrefix(k, b.key+" "):
			level = max(level, 3)
		case strings.HasPrefix(k, b.key):
			level = max(level, 2)
		case strings.Contains(k, " "+b.key):
			level = max(level, 1)
		}
	}
	if level == 0 {
		return
	}
	c.boost = 2 * level
	if c.g.Type == callboard.SearchTypeTechDocs {
		c.boost--
	}
	c.tie = len(c.keys[0]) + len(c.keys[1])
}

// defaultMaxCandidates bounds the matches checked for a caller who may
// not read everything.
const defaultMaxCandidates = 2000

// allowed keeps the best q.MaxCandidates matches whose entity the caller
// may read.
func allowed(ctx context.Context, q callboard.SearchQuery, cands []candidate) ([]candidate, error) {
	limit := q.MaxCandidates
	if limit <= 0 {
		limit = defaultMaxCandidates
	}
	cands = cands[:min(len(cands), limit)]
	var entities []string
	seen := map[string]bool{}
	for _, c := range cands {
		if !seen[c.entity] {
			seen[c.entity] = true
			entities = append(entities, c.entity)
		}
	}
	ok, err := q.Allow(ctx, entities)
	if err != nil {
		return nil, err
	}
	may := make(map[string]bool, len(entities))
	for i, e := range entities {
		may[e] = i < len(ok) && ok[i]
	}
	return slices.DeleteFunc(cands, func(c candidate) bool { return !may[c.entity] }), nil
}

// groupPasses reports whether the matches of g pass q's filters.
func groupPasses(g callboard.SearchGroup, q callboard.SearchQuery) bool {
	in := func(v string, set []string) bool {
		return len(set) == 0 || slices.ContainsFunc(set, func(s string) bool { return strings.EqualFold(s, v) })
	}
	return in(g.Type, q.Types) && in(g.Kind, q.Kinds) && in(g.Owner, q.Owners)
}

// searchDocs loads documents by key.
func (db *DB) searchDocs(ctx context.Context, rq searchQuerier, keys []string) (map[string]callboard.SearchDocument, error) {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	rows, err := rq.QueryContext(ctx, db.d.rebind(`SELECT d.id, `+db.d.search.body+` FROM `+db.d.search.bodies+` WHERE d.id IN (`+
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
