package web

import (
	"net/url"
	"regexp"
	"strings"

	"callboard"
)

// backstageFilters maps the filters of Backstage's catalog and API explorer
// URLs (?filters[kind]=component&filters[owners]=team-a, what users have
// bookmarked) to the portal's short parameters: param -> short name.
var backstageFilters = map[string]string{
	"kind": "kind", "type": "type", "user": "user", "owners": "owner",
	"lifecycles": "lifecycle", "tags": "tag", "namespace": "namespace", "text": "q",
}

// filterKey matches filters[name], filters[name][] and filters[name][0],
// as the qs library Backstage uses writes and reads them.
var filterKey = regexp.MustCompile(`^filters\[([A-Za-z]+)\](?:\[\d*\])?$`)

// fromBackstage returns q with Backstage's filters[...] parameters turned
// into the short ones; values may repeat or be comma lists. Owners given
// by name, as older Backstage wrote them, become group refs. Unknown
// filters are dropped, as Backstage ignores filters it has no picker for.
func fromBackstage(q url.Values) url.Values {
	out := url.Values{}
	found := false
	for k, vs := range q {
		m := filterKey.FindStringSubmatch(k)
		if m == nil {
			out[k] = append(out[k], vs...)
			continue
		}
		found = true
		short, ok := backstageFilters[m[1]]
		if !ok {
			continue
		}
		for _, v := range vs {
			for part := range strings.SplitSeq(v, ",") {
				if part = strings.TrimSpace(part); part == "" {
					continue
				}
				if short == "owner" {
					if r, err := callboard.ParseRef(part, "group", callboard.DefaultNamespace); err == nil {
						part = strings.ToLower(r.String())
					}
				}
				out.Add(short, part)
			}
		}
	}
	if !found {
		return q
	}
	return out
}
