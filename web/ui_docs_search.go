package web

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"strings"

	"callboard"
	"callboard/techdocs"
)

// searchIndex is search/search_index.json as MkDocs and our builder write it.
type searchIndex struct {
	Docs []struct {
		Location string `json:"location"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	} `json:"docs"`
}

// docsSearch finds the site's pages and sections containing every word of
// query, best first: title matches, then the number of occurrences.
func docsSearch(ctx context.Context, docs DocsReader, ref callboard.EntityRef, query string) ([]docsHit, error) {
	body, _, err := docs.Open(ctx, ref, techdocs.SearchIndexFile)
	if callboard.ErrorKind(err) == callboard.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var idx searchIndex
	if err := json.NewDecoder(io.LimitReader(body, 64<<20)).Decode(&idx); err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "the site's search index is malformed")
	}
	terms := strings.Fields(strings.ToLower(query))
	if len(terms) == 0 {
		return nil, nil
	}
	type scored struct {
		hit   docsHit
		score int
		page  string
	}
	var found []scored
	pageHasSection := map[string]bool{}
	pageTitle := map[string]string{}
	for _, d := range idx.Docs {
		if !strings.Contains(d.Location, "#") {
			pageTitle[d.Location] = d.Title
		}
	}
	links := linkResolver{dir: ".", base: docsBase(ref), static: docsStaticBase(ref)}
	for _, d := range idx.Docs {
		lt, ltext := strings.ToLower(d.Title), strings.ToLower(d.Text)
		score := 0
		for _, t := range terms {
			inTitle, n := strings.Contains(lt, t), strings.Count(ltext, t)
			if !inTitle && n == 0 {
				score = -1
				break
			}
			if inTitle {
				score += 10
			}
			score += min(n, 10)
		}
		if score < 0 {
			continue
		}
		pagePart, _, isSection := strings.Cut(d.Location, "#")
		if isSection {
			pageHasSection[pagePart] = true
		}
		u, _ := links.resolve(orDot(d.Location))
		found = append(found, scored{
			hit:   docsHit{Title: d.Title, URL: u, Page: pageTitle[pagePart], Snippet: snippet(d.Text, terms)},
			score: score, page: pagePart,
		})
		if !isSection {
			found[len(found)-1].page = "\x00" + pagePart // a whole page
		}
	}
	var hits []scored
	for _, f := range found {
		if p, ok := strings.CutPrefix(f.page, "\x00"); ok && pageHasSection[p] {
			continue // its sections are listed instead
		}
		if f.hit.Page == f.hit.Title {
			f.hit.Page = ""
		}
		hits = append(hits, f)
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	out := make([]docsHit, 0, min(len(hits), 20))
	for _, h := range hits[:min(len(hits), 20)] {
		out = append(out, h.hit)
	}
	return out, nil
}

func orDot(loc string) string {
	if loc == "" || strings.HasPrefix(loc, "#") {
		return "./" + loc
	}
	return loc
}

// snippet returns about 200 characters of text around the first term,
// with every term marked.
func snippet(text string, terms []string) []snippetPart {
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		text = lower // case mapping changed lengths: show lowercase rather than cut runes wrongly
	}
	first := -1
	for _, t := range terms {
		if i := strings.Index(lower, t); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	start, end := 0, len(text)
	if first > 80 {
		start = first - 80
	}
	if end-start > 220 {
		end = start + 220
	}
	for start > 0 && !utf8Start(text[start]) {
		start--
	}
	for end < len(text) && !utf8Start(text[end]) {
		end++
	}
	seg, lseg := text[start:end], lower[start:end]
	var parts []snippetPart
	if start > 0 {
		parts = append(parts, snippetPart{Text: "… "})
	}
	for len(seg) > 0 {
		at, n := -1, 0
		for _, t := range terms {
			if i := strings.Index(lseg, t); i >= 0 && (at < 0 || i < at) {
				at, n = i, len(t)
			}
		}
		if at < 0 {
			parts = append(parts, snippetPart{Text: seg})
			break
		}
		if at > 0 {
			parts = append(parts, snippetPart{Text: seg[:at]})
		}
		parts = append(parts, snippetPart{Text: seg[at : at+n], Mark: true})
		seg, lseg = seg[at+n:], lseg[at+n:]
	}
	if end < len(text) {
		parts = append(parts, snippetPart{Text: " …"})
	}
	return parts
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
