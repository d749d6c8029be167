package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"callboard"
)

// Finding the matches of a search without reading all of them: names that
// equal or start with the term by index, then the match tiers one after
// the other (names and title, keywords, text; disjoint) in one statement,
// each read with a LIMIT and in the index's order, stopping once enough
// are read for the page. All matches are counted first (countAll: on
// PostgreSQL, as its word index counts them), which bounds that LIMIT.
// The groups (facets) and the filtered total come from the first
// maxGrouped+1 matches, and are exact up to that; past it, the groups are
// of the first matches and the filtered total is totalMatches'.

// maxRead is how many matches a query reads (beyond the page asked for)
// to rank them: the best tiers first.
const maxRead = 500

// maxGrouped is how many matches the groups count exactly.
const maxGrouped = 1000

// narrowCols are the columns a match is ranked and grouped by.
const narrowCols = `d.id, d.entity, d.type, d.kind, d.owner, d.name_key, d.title_key, d.alt_key`

// filterSQL is the WHERE condition (starting with AND) of q's filters on
// type, kind and owner, compared lowercase as they are stored.
func filterSQL(q callboard.SearchQuery) (string, []any) {
	var b strings.Builder
	var args []any
	for _, f := range []struct {
		col  string
		vals []string
	}{{"d.type", q.Types}, {"d.kind", q.Kinds}, {"d.owner", q.Owners}} {
		if len(f.vals) == 0 {
			continue
		}
		b.WriteString(" AND " + f.col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(f.vals)), ",") + ")")
		for _, v := range f.vals {
			args = append(args, strings.ToLower(v))
		}
	}
	return b.String(), args
}

// keyArgs are keys as query arguments: SQLite compares rowids with
// numbers only.
func (db *DB) keyArgs(keys []string) []any {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
		if n, err := strconv.ParseInt(k, 10, 64); err == nil && db.d.search.key == "d.rowid" {
			args[i] = n
		}
	}
	return args
}

// tiersSQL is the statement reading up to limit matches of words passing
// filter, in tier order (names and title, then keywords, then text), with
// their tier; and its arguments. The later tiers are not read once the
// earlier ones fill the limit.
func (db *DB) tiersSQL(words []queryWord, filter string, fargs []any, limit int) (string, []any) {
	sd := db.d.search
	var parts []string
	var args []any
	for _, tier := range []int{tierNames, tierKeywords, tierText} {
		from, targs := sd.match(words, tier)
		parts = append(parts, `SELECT * FROM (SELECT `+sd.key+`, `+narrowCols+`, `+strconv.Itoa(tier)+` AS tier FROM `+from+filter+
			` LIMIT ?) t`+strconv.Itoa(tier))
		args = append(append(append(args, targs...), fargs...), limit)
	}
	return strings.Join(parts, " UNION ALL ") + ` LIMIT ?`, append(args, limit)
}

// tierRows reads the rows of tiersSQL.
func (db *DB) tierRows(ctx context.Context, rq searchQuerier, words []queryWord, filter string, fargs []any, limit int) ([]candidate, error) {
	query, args := db.tiersSQL(words, filter, fargs, limit)
	rows, err := rq.QueryContext(ctx, db.d.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	return scanCands(rows, nil)
}

// firstMatches reads, in one statement, the matches of q whose names
// start with the term (startingWith, up to need) and the first limit
// matches in tier order without q's filters (tierRows).
func (db *DB) firstMatches(ctx context.Context, rq searchQuerier, q callboard.SearchQuery, words []queryWord, need, limit int) (starts, first []candidate, err error) {
	filter, fargs := filterSQL(q)
	sq, sargs := db.startsSQL(q.Term, words, filter, fargs, need)
	tq, targs := db.tiersSQL(words, "", nil, limit)
	rows, err := rq.QueryContext(ctx, db.d.rebind(`SELECT * FROM (`+sq+`) s UNION ALL SELECT * FROM (`+tq+`) t`), append(sargs, targs...)...)
	if err != nil {
		return nil, nil, err
	}
	all, err := scanCands(rows, nil)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range all {
		if c.tier == 0 {
			starts = append(starts, c)
		} else {
			first = append(first, c)
		}
	}
	starts, err = db.startTiers(ctx, rq, words, starts)
	return starts, first, err
}

// groupCands counts matches by group.
func groupCands(cands []candidate) []callboard.SearchGroup {
	n := map[callboard.SearchGroup]int{}
	for _, c := range cands {
		n[c.g]++
	}
	out := make([]callboard.SearchGroup, 0, len(n))
	for g, c := range n {
		g.Count = c
		out = append(out, g)
	}
	return out
}

// scanCands reads rows of the key, narrowCols and tier.
func scanCands(rows *sql.Rows, out []candidate) ([]candidate, error) {
	defer rows.Close()
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.key, &c.id, &c.entity, &c.g.Type, &c.g.Kind, &c.g.Owner, &c.keys[0], &c.keys[1], &c.keys[2], &c.tier); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// matches reads the best matches of q that pass its filters: those whose
// names start with the term, then up to need more in tier order; taken
// from sample, if any, when it holds them.
func (db *DB) matches(ctx context.Context, rq searchQuerier, q callboard.SearchQuery, words []queryWord, need int, sample *tierSample) ([]candidate, error) {
	filter, fargs := filterSQL(q)
	var starts []candidate
	if sample != nil {
		starts = sample.starts
	} else {
		var err error
		if starts, err = db.startingWith(ctx, rq, q.Term, words, filter, fargs, need); err != nil {
			return nil, err
		}
	}
	cands := slices.Clip(starts)
	seen := make(map[string]bool, len(starts))
	for _, c := range cands {
		seen[c.key] = true
	}
	add := func(rows []candidate, check bool) {
		read := 0
		for _, c := range rows {
			if read >= need {
				break
			}
			if !seen[c.key] && (!check || groupPasses(c.g, q)) {
				seen[c.key] = true
				cands = append(cands, c)
				read++
			}
		}
	}
	if sample != nil {
		add(sample.rows, true)
		if sample.all || len(cands)-len(starts) >= need {
			return cands, nil
		}
		for _, c := range cands[len(starts):] {
			delete(seen, c.key)
		}
		cands = cands[:len(starts)]
	}
	rows, err := db.tierRows(ctx, rq, words, filter, fargs, need+len(starts))
	if err != nil {
		return nil, err
	}
	add(rows, false)
	return cands, nil
}

// tierSample is what firstMatches read: the matches of a query whose
// names start with the term (starts), and its first matches in tier
// order without its filters (rows); all is set when those are all.
type tierSample struct {
	starts, rows []candidate
	all          bool
}

// startsSQL is the statement reading the matches of term (passing
// filter) whose name, title or display name equals the term (or, for one
// word, a near spelling of it) or starts with it, found by index, with
// tier 0 (startTiers sets it); and its arguments.
func (db *DB) startsSQL(term string, words []queryWord, filter string, fargs []any, limit int) (string, []any) {
	key := matchKey(term)
	exact := []any{key}
	if len(words) == 1 {
		for _, a := range words[0].alts {
			exact = append(exact, a.word)
		}
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(exact)), ",")
	var where []string
	var args []any
	for _, col := range []string{"d.name_key", "d.title_key", "d.alt_key"} {
		where = append(where, col+" IN ("+in+")", "("+col+" >= ? AND "+col+" < ?)")
		args = append(append(args, exact...), key, nextPrefix(key))
	}
	return `SELECT ` + db.d.search.key + `, ` + narrowCols + `, 0 AS tier FROM search_documents d WHERE (` +
		strings.Join(where, " OR ") + `)` + filter + ` LIMIT ?`, append(append(args, fargs...), limit)
}

// startingWith reads the rows of startsSQL, with their tier.
func (db *DB) startingWith(ctx context.Context, rq searchQuerier, term string, words []queryWord, filter string, fargs []any, limit int) ([]candidate, error) {
	query, args := db.startsSQL(term, words, filter, fargs, limit)
	rows, err := rq.QueryContext(ctx, db.d.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	found, err := scanCands(rows, nil)
	if err != nil {
		return nil, err
	}
	return db.startTiers(ctx, rq, words, found)
}

// startTiers sets the tier of the matches startsSQL found, and drops
// those that are no match.
func (db *DB) startTiers(ctx context.Context, rq searchQuerier, words []queryWord, found []candidate) ([]candidate, error) {
	if len(found) == 0 {
		return found, nil
	}
	sd := db.d.search
	// A name, title or display name starting with the term has all its
	// words, each whole or as a prefix, in the names tier: so it is a
	// match there unless a word must match whole (one latin letter).
	// Then keep those that match, with the best tier they match in.
	sure := true
	for _, w := range words {
		sure = sure && (w.cjk || w.alts[0].prefix)
	}
	for i := range found {
		if sure {
			found[i].tier = tierNames
		}
	}
	if sure {
		return found, nil
	}
	byKey := make(map[string]int, len(found))
	keys := make([]string, len(found))
	for i, c := range found {
		byKey[c.key] = i
		keys[i] = c.key
	}
	for _, tier := range []int{tierNames, tierKeywords, 0} {
		var left []string
		for _, k := range keys {
			if found[byKey[k]].tier == 0 {
				left = append(left, k)
			}
		}
		if len(left) == 0 {
			break
		}
		in, args := sd.member(words, tier, len(left))
		rows, err := rq.QueryContext(ctx, db.d.rebind(in), append(args, db.keyArgs(left)...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := byKey[k]; ok && found[i].tier == 0 {
				found[i].tier = max(tier, tierText)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := found[:0]
	for _, c := range found {
		if c.tier != 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// maxCounted is how many matches passing filters are counted exactly
// where the dialect estimates counts; minSampled is the fewest matches
// in a sample to estimate from.
const (
	maxCounted = 1000
	minSampled = 50
)

// countAll counts the matches of words, without filters: exactly, or
// where the dialect can estimate (PostgreSQL), as the word index counts
// them, which is never fewer.
func (db *DB) countAll(ctx context.Context, rq searchQuerier, words []queryWord) (int, error) {
	if db.d.search.estimate != nil {
		return db.d.search.estimate(ctx, db, rq, words)
	}
	var n int
	err := rq.QueryRowContext(ctx, db.d.rebind(db.d.search.count), db.d.search.expr(words, 0)).Scan(&n)
	return n, err
}

// totalMatches is how many matches of q pass its filters, when more than
// maxGrouped of all (countAll's) match. Where the dialect can estimate
// (PostgreSQL), the total is about right, as search engines report it
// (Backstage's numberOfResults is approximate for large sets;
// Elasticsearch counts to 10,000): counting exactly reads every match's
// row, tens of milliseconds at thousands of matches. Without filters, it
// is all. With filters, it is all times the share of the matches in a
// sample of the table that pass them; exact when that is not clearly
// above maxCounted (or the sample holds too few matches).
func (db *DB) totalMatches(ctx context.Context, rq searchQuerier, q callboard.SearchQuery, words []queryWord, all int) (int, error) {
	sd := db.d.search
	switch {
	case len(q.Types)+len(q.Kinds)+len(q.Owners) == 0:
		return all, nil
	case sd.estimate == nil:
		return db.countMatches(ctx, rq, q, words, 0)
	}
	filter, fargs := filterSQL(q)
	var pass, sampled int
	err := rq.QueryRowContext(ctx, db.d.rebind(`SELECT count(*) FILTER (WHERE TRUE`+filter+`), count(*) FROM `+sd.sample),
		append(fargs, sd.expr(words, 0))...).Scan(&pass, &sampled)
	if err != nil {
		return 0, err
	}
	est := 0
	if sampled >= minSampled {
		est = all * pass / sampled
	}
	if est > 2*maxCounted {
		return est, nil
	}
	n, err := db.countMatches(ctx, rq, q, words, maxCounted+1)
	switch {
	case err != nil || n <= maxCounted:
		return n, err
	case est > 0:
		return max(n, est), nil
	}
	return db.countMatches(ctx, rq, q, words, 0)
}

// countMatches counts the matches of q passing its filters, up to limit
// (0: all).
func (db *DB) countMatches(ctx context.Context, rq searchQuerier, q callboard.SearchQuery, words []queryWord, limit int) (int, error) {
	sd := db.d.search
	filter, fargs := filterSQL(q)
	from, args := sd.match(words, 0)
	args = append(args, fargs...)
	query := `SELECT count(*) FROM ` + from + filter
	if limit > 0 {
		query = `SELECT count(*) FROM (SELECT 1 FROM ` + from + filter + ` LIMIT ?) c`
		args = append(args, limit)
	}
	var n int
	err := rq.QueryRowContext(ctx, db.d.rebind(query), args...).Scan(&n)
	return n, err
}
