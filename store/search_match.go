package store

import (
	"context"
	"strconv"
	"strings"

	"callboard"
)

// Finding the matches of a search without reading all of them: names that
// equal or start with the term by index, then the match tiers one after
// the other (names and title, keywords, text; disjoint), each read with a
// LIMIT and in the index's order, stopping once enough are read for the
// page. The total is a COUNT over the word index; the groups (facets) come
// from the first maxGrouped matches and are exact up to that.

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

// scanCands reads rows of the key and narrowCols.
func scanCands(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}, tier int, out []candidate) ([]candidate, error) {
	defer rows.Close()
	for rows.Next() {
		c := candidate{tier: tier}
		if err := rows.Scan(&c.key, &c.id, &c.entity, &c.g.Type, &c.g.Kind, &c.g.Owner, &c.keys[0], &c.keys[1], &c.keys[2]); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// matches reads the best matches of q that pass its filters: those whose
// names start with the term, then up to need more in tier order.
//
// total, when known (not 0), is how many matches pass the filters: once
// all are read, the tiers left are not queried (PostgreSQL could scan the
// whole table looking for them).
func (db *DB) matches(ctx context.Context, q callboard.SearchQuery, words []queryWord, need, total int) ([]candidate, error) {
	sd := db.d.search
	filter, fargs := filterSQL(q)
	cands, err := db.startingWith(ctx, q.Term, words, filter, fargs, need)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(cands))
	for _, c := range cands {
		seen[c.key] = true
	}
	read := 0
	for _, tier := range []int{tierNames, tierKeywords, tierText} {
		if read >= need || (total > 0 && len(seen) >= total) {
			break
		}
		from, args := sd.match(words, tier)
		rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT `+sd.key+`, `+narrowCols+` FROM `+from+filter+` LIMIT ?`),
			append(append(args, fargs...), need-read+len(seen))...)
		if err != nil {
			return nil, err
		}
		got, err := scanCands(rows, tier, nil)
		if err != nil {
			return nil, err
		}
		for _, c := range got {
			if !seen[c.key] && read < need {
				seen[c.key] = true
				cands = append(cands, c)
				read++
			}
		}
	}
	return cands, nil
}

// startingWith reads the matches of q (passing filter) whose name, title
// or display name equals the term (or, for one word, a near spelling of
// it) or starts with it, found by index, with their tier.
func (db *DB) startingWith(ctx context.Context, term string, words []queryWord, filter string, fargs []any, limit int) ([]candidate, error) {
	sd := db.d.search
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
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT `+sd.key+`, `+narrowCols+` FROM search_documents d WHERE (`+
		strings.Join(where, " OR ")+`)`+filter+` LIMIT ?`), append(append(args, fargs...), limit)...)
	if err != nil {
		return nil, err
	}
	found, err := scanCands(rows, 0, nil)
	if err != nil || len(found) == 0 {
		return nil, err
	}
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
		rows, err := db.read.QueryContext(ctx, db.d.rebind(in), append(args, db.keyArgs(left)...)...)
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

// countMatches counts the matches of q passing its filters, in the word
// index when there are none.
func (db *DB) countMatches(ctx context.Context, q callboard.SearchQuery, words []queryWord) (int, error) {
	sd := db.d.search
	filter, fargs := filterSQL(q)
	from, args := sd.match(words, 0)
	query := `SELECT count(*) FROM ` + from + filter
	if filter == "" {
		query, args = sd.count, []any{sd.expr(words, 0)}
	}
	var n int
	err := db.read.QueryRowContext(ctx, db.d.rebind(query), append(args, fargs...)...).Scan(&n)
	return n, err
}

// groupMatches counts the matches (filters not applied) by group: the
// first limit of them, or all (0).
func (db *DB) groupMatches(ctx context.Context, words []queryWord, limit int) (groups []callboard.SearchGroup, n int, err error) {
	from, args := db.d.search.match(words, 0)
	if limit > 0 {
		from += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT g.type, g.kind, g.owner, count(*) FROM (SELECT d.type, d.kind, d.owner FROM `+
		from+`) g GROUP BY g.type, g.kind, g.owner`), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var g callboard.SearchGroup
		if err := rows.Scan(&g.Type, &g.Kind, &g.Owner, &g.Count); err != nil {
			return nil, 0, err
		}
		n += g.Count
		groups = append(groups, g)
	}
	return groups, n, rows.Err()
}
