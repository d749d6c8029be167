package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"callboard"
	"callboard/index"
)

// entityRow is one entity as lists and tables show it.
type entityRow struct {
	Ref, URL, Name, Title, Kind, Namespace string
	Display                                string // a person's or group's display name
	Type, Lifecycle, Description           string
	Owner, System                          refLink
	Tags                                   []string
	MoreTags                               int
}

// refLink is a reference shown short, linking to its page, with the full
// ref for the tooltip.
type refLink struct {
	Ref, Short, URL string
}

func linkTo(ref, defaultKind string) refLink {
	if ref == "" {
		return refLink{}
	}
	return refLink{Ref: ref, Short: shortRef(ref, defaultKind), URL: entityURL(ref)}
}

// rowOf builds the list view of an entity.
func rowOf(e *callboard.Entity) entityRow {
	ref := e.Ref()
	row := entityRow{
		Ref: ref.String(), URL: refURL(ref), Name: e.Metadata.Name, Title: e.Metadata.Title,
		Kind: e.Kind, Namespace: ref.Namespace, Type: e.SpecString("type"), Lifecycle: e.SpecString("lifecycle"),
		Description: e.Metadata.Description, Display: displayName(e),
	}
	for _, r := range e.Relations {
		if r.Type == callboard.RelationOwnedBy && row.Owner.Ref == "" {
			row.Owner = linkTo(r.TargetRef, "group")
		}
	}
	if sys := e.SpecString("system"); sys != "" {
		if r, err := callboard.ParseRef(sys, "system", ref.Namespace); err == nil {
			row.System = linkTo(r.String(), "system")
		}
	}
	row.Tags = e.Metadata.Tags
	if len(row.Tags) > 3 {
		row.MoreTags = len(row.Tags) - 3
		row.Tags = row.Tags[:3]
	}
	return row
}

func rowsOf(es []*callboard.Entity) []entityRow {
	out := make([]entityRow, 0, len(es))
	for _, e := range es {
		if e != nil {
			out = append(out, rowOf(e))
		}
	}
	return out
}

// searchFields are what the home search matches: name and title first,
// then description, tags and owner.
var (
	searchNameFields = []string{"metadata.name", "metadata.title"}
	searchAllFields  = []string{"metadata.name", "metadata.title", "metadata.description", "metadata.tags", "relations.ownedby"}
)

// searchPool is how many name/title matches search ranks before cutting
// to the requested limit.
const searchPool = 100

// search finds up to limit entities for term: matches on name or title
// first, ranked (exact, then prefix, then word start, then anywhere; kinds
// people look for before users and locations; shorter first), then
// matches on description, tags or owner. total counts every match.
func (s *Server) search(ctx context.Context, term string, limit int) ([]entityRow, int, error) {
	term = strings.TrimSpace(term)
	if term == "" {
		return nil, 0, nil
	}
	byName := []index.Order{{Field: "metadata.name"}}
	first, _, err := s.catalog.Query(ctx, index.Query{Order: byName, Limit: searchPool,
		FullText: index.FullText{Term: term, Fields: searchNameFields}})
	if err != nil {
		return nil, 0, err
	}
	lt := strings.ToLower(term)
	slices.SortStableFunc(first, func(a, b *callboard.Entity) int {
		if c := cmp.Compare(matchRank(a, lt), matchRank(b, lt)); c != 0 {
			return c
		}
		if c := cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)); c != 0 {
			return c
		}
		return cmp.Compare(len(a.Metadata.Name), len(b.Metadata.Name))
	})
	out := first[:min(len(first), limit)]
	rest, total, err := s.catalog.Query(ctx, index.Query{Order: byName, Limit: limit + len(out),
		FullText: index.FullText{Term: term, Fields: searchAllFields}})
	if err != nil {
		return nil, 0, err
	}
	seen := make(map[string]bool, len(out))
	for _, e := range out {
		seen[e.Metadata.UID] = true
	}
	for _, e := range rest {
		if len(out) >= limit {
			break
		}
		if !seen[e.Metadata.UID] {
			out = append(out, e)
		}
	}
	return rowsOf(out), total, nil
}

// matchRank scores how well an entity's name or title matches a
// lowercased term: 0 exact, 1 prefix, 2 at a word start, 3 anywhere.
func matchRank(e *callboard.Entity, term string) int {
	best := 3
	for _, v := range []string{strings.ToLower(e.Metadata.Name), strings.ToLower(e.Metadata.Title)} {
		switch i := strings.Index(v, term); {
		case v == term:
			return 0
		case i == 0:
			best = min(best, 1)
		case i > 0 && strings.ContainsRune(" -_./:", rune(v[i-1])):
			best = min(best, 2)
		}
	}
	return best
}

// kindRank orders kinds in search results: what people usually look for
// first.
func kindRank(kind string) int {
	switch strings.ToLower(kind) {
	case "component":
		return 0
	case "api":
		return 1
	case "system", "group":
		return 2
	case "resource", "domain":
		return 3
	case "user":
		return 4
	}
	return 5
}

type homeView struct {
	Kinds      []index.FacetCount
	Total      int
	Team       refLink
	TeamRows   []entityRow
	TeamTotal  int
	TeamKinds  []index.FacetCount
	TeamURL    string
	Teams      []refLink // choices for the picker
	TeamsTotal int       // all groups; the picker lists at most maxTeams
	// Mine is set for a signed-in user: the card lists what they and
	// their groups own (Owners), and the team picker is not needed.
	Mine   bool
	Owners []refLink
	// Stars is set for a viewer when stars are kept: their starred
	// entities (Starred), at most maxStarsShown.
	Stars        bool
	Starred      []entityRow
	StarredTotal int
}

const maxStarsShown = 12

const maxTeams = 300

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := homeView{Total: s.catalog.Len()}
	v.Kinds = s.catalog.Facets(ctx, []string{"kind"}, nil)["kind"]
	groups, total, err := s.catalog.Query(ctx, index.Query{
		Filter: index.Filter{{{Key: "kind", Values: []string{"group"}}}},
		Order:  []index.Order{{Field: "metadata.name"}}, Limit: maxTeams,
	})
	if err != nil {
		return err
	}
	v.TeamsTotal = total
	for _, g := range groups {
		l := linkTo(g.Ref().String(), "group")
		if dn := displayName(g); dn != "" {
			l.Short = dn
		}
		v.Teams = append(v.Teams, l)
	}
	// "Owned by me": a signed-in user's ownership refs (the user and their
	// groups); for nobody, the "my team" cookie.
	var owners []string
	if p := callboard.PrincipalFrom(ctx); !p.Anonymous() && !p.Service && len(p.Ownership) > 0 {
		v.Mine, owners = true, p.Ownership
		for _, o := range owners {
			l := linkTo(o, "group")
			if strings.EqualFold(o, p.Subject) {
				l.Short = "you"
			}
			v.Owners = append(v.Owners, l)
		}
	} else if team := teamCookie(r); team != "" {
		ref, _ := callboard.ParseRef(team, "group", "")
		v.Team = linkTo(ref.String(), "group")
		owners = []string{ref.String()}
	}
	// Groups by display name ("you" stays).
	names := []*refLink{&v.Team}
	for i := range v.Owners {
		if v.Owners[i].Short != "you" {
			names = append(names, &v.Owners[i])
		}
	}
	s.nameLinks(ctx, names...)
	if owners != nil {
		owned := index.Filter{{{Key: "relations.ownedby", Values: owners}}}
		es, n, err := s.catalog.Query(ctx, index.Query{Filter: owned, Order: []index.Order{{Field: "kind"}, {Field: "metadata.name"}}, Limit: 12})
		if err != nil {
			return err
		}
		v.TeamRows, v.TeamTotal = rowsOf(es), n
		v.TeamKinds = s.catalog.Facets(ctx, []string{"kind"}, owned)["kind"]
		q := url.Values{"owner": owners, "kind": {allKinds}}
		v.TeamURL = "/catalog?" + q.Encode()
	}
	if user, _ := s.viewer(r); user != "" && s.opts.Stars != nil {
		refs, err := s.starred(ctx, user)
		if err != nil {
			return err
		}
		es, err := s.catalog.EntitiesByRefs(ctx, refs, nil)
		if err != nil {
			return err
		}
		v.Stars, v.Starred = true, s.peopleRows(ctx, rowsOf(es), nil)
		v.StarredTotal = len(v.Starred)
		v.Starred = v.Starred[:min(len(v.Starred), maxStarsShown)]
	}
	v.TeamRows = s.peopleRows(ctx, v.TeamRows, nil)
	return s.render(w, r, http.StatusOK, "home", "", &page{
		Title: "Home", Subtitle: "Find who owns what, where it runs and what it depends on", Nav: "home", Data: v,
	})
}

// handleTeamSet stores the "my team" choice in a cookie (until sign-in
// exists) and returns to the home page.
func (s *Server) handleTeamSet(w http.ResponseWriter, r *http.Request) error {
	team := strings.TrimSpace(r.PostFormValue("team"))
	if team == "" {
		http.SetCookie(w, &http.Cookie{Name: teamCookieName, Value: "", Path: "/", MaxAge: -1})
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	ref, err := callboard.ParseRef(team, "group", "")
	if err != nil {
		return err
	}
	if _, err := s.catalog.Entity(r.Context(), ref); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: teamCookieName, Value: url.QueryEscape(ref.String()), Path: "/",
		Expires: time.Now().AddDate(1, 0, 0), HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/?notice=team", http.StatusSeeOther)
	return nil
}
