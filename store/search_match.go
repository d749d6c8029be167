package store

import (
	"context"
	"strconv"
	"strings"

	"callboard"
)

// Finding the matches of a search and their tiers: all of them, or (SQLite,
// no filters) only as many as a page needs, from the word index.

// allMatches reads every match with its narrow columns and tier.
func (db *DB) allMatches(ctx context.Context, words []queryWord) ([]candidate, error) {
	sd := db.d.search
	cols, args := "", []any{sd.expr(words, 0)}
	if sd.inlineTiers {
		cols = `, d.words @@ CAST(? AS tsquery), d.words @@ CAST(? AS tsquery)`
		args = []any{sd.expr(words, tierKeywords), sd.expr(words, tierNames), args[0]}
	}
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT `+sd.key+`, d.id, d.entity, d.type, d.kind, d.owner, d.name_key, d.title_key, d.alt_key`+
		cols+` FROM `+sd.from), args...)
	if err != nil {
		return nil, err
	}
	var cands []candidate
	byKey := map[string]int{}
	for rows.Next() {
		var c candidate
		var kw, names bool
		dest := []any{&c.key, &c.id, &c.entity, &c.g.Type, &c.g.Kind, &c.g.Owner, &c.keys[0], &c.keys[1], &c.keys[2]}
		if sd.inlineTiers {
			dest = append(dest, &kw, &names)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		switch {
		case names:
			c.tier = tierNames
		case kw:
			c.tier = tierKeywords
		default:
			c.tier = tierText
		}
		byKey[c.key] = len(cands)
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, nil
	}
	for _, tier := range []int{tierKeywords, tierNames} {
		if sd.inlineTiers {
			break
		}
		rows, err := db.read.QueryContext(ctx, db.d.rebind(sd.tier), sd.expr(words, tier))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var key string
			if err := rows.Scan(&key); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := byKey[key]; ok {
				cands[i].tier = tier
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return cands, nil
}

// maxRead is how many matches beyond the names tier cappedMatches reads.
const maxRead = 2000

// cappedMatches finds the matches and their tiers in the word index
// alone, which is cheap, and reads the rows of the matches whose name,
// title or display name equals or starts with the term (found by index)
// and of the first others, best tier first, up to maxRead or the page
// asked for. It returns how many matches it
// did not read: they are counted, not grouped.
func (db *DB) cappedMatches(ctx context.Context, q callboard.SearchQuery, words []queryWord) ([]candidate, int, error) {
	sd := db.d.search
	keys := func(tier int) ([]string, error) {
		rows, err := db.read.QueryContext(ctx, db.d.rebind(sd.tier), sd.expr(words, tier))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return nil, err
			}
			out = append(out, k)
		}
		return out, rows.Err()
	}
	all, err := keys(0)
	if err != nil || len(all) == 0 {
		return nil, 0, err
	}
	names, err := keys(tierNames)
	if err != nil {
		return nil, 0, err
	}
	kw, err := keys(tierKeywords)
	if err != nil {
		return nil, 0, err
	}
	tier := make(map[string]int, len(all))
	for _, k := range all {
		tier[k] = tierText
	}
	for _, k := range kw {
		tier[k] = tierKeywords
	}
	for _, k := range names {
		tier[k] = tierNames
	}
	// The names that equal or start with the term, wherever they are in
	// the names tier, then the best others.
	limit := max(maxRead, q.Offset+q.Limit)
	pick, err := db.startingWith(ctx, q.Term, words, tier)
	if err != nil {
		return nil, 0, err
	}
	picked := map[string]bool{}
	for _, k := range pick {
		picked[k] = true
	}
	for _, t := range []int{tierNames, tierKeywords, tierText} {
		for _, k := range all {
			if len(pick) >= limit {
				break
			}
			if tier[k] == t && !picked[k] {
				pick = append(pick, k)
			}
		}
	}
	cands := make([]candidate, 0, len(pick))
	const chunk = 500
	for i := 0; i < len(pick); i += chunk {
		part := pick[i:min(i+chunk, len(pick))]
		args := make([]any, len(part))
		for j, k := range part {
			args[j] = k
			if n, err := strconv.ParseInt(k, 10, 64); err == nil && sd.key == "d.rowid" {
				args[j] = n // SQLite compares rowids with numbers only
			}
		}
		rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT `+sd.key+`, d.id, d.entity, d.type, d.kind, d.owner, d.name_key, d.title_key, d.alt_key
			FROM search_documents d WHERE `+sd.key+` IN (`+strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")+`)`), args...)
		if err != nil {
			return nil, 0, err
		}
		for rows.Next() {
			var c candidate
			if err := rows.Scan(&c.key, &c.id, &c.entity, &c.g.Type, &c.g.Kind, &c.g.Owner, &c.keys[0], &c.keys[1], &c.keys[2]); err != nil {
				rows.Close()
				return nil, 0, err
			}
			c.tier = tier[c.key]
			cands = append(cands, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
	}
	return cands, len(all) - len(cands), nil
}

// startingWith returns the keys of the matches (tier holds them) whose
// name, title or display name equals the term (or, for one word, a near
// spelling of it) or starts with it.
func (db *DB) startingWith(ctx context.Context, term string, words []queryWord, tier map[string]int) ([]string, error) {
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
	for _, col := range []string{"name_key", "title_key", "alt_key"} {
		where = append(where, col+" IN ("+in+")", "("+col+" >= ? AND "+col+" < ?)")
		args = append(append(args, exact...), key, nextPrefix(key))
	}
	rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT `+db.d.search.key+` FROM search_documents d WHERE `+strings.Join(where, " OR ")), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		if _, ok := tier[k]; ok {
			out = append(out, k)
		}
	}
	return out, rows.Err()
}
