package web

import (
	"context"
	"strings"

	"callboard"
)

// People are shown by their spec.profile.displayName, with the login (the
// entity name) as secondary text, as Backstage's entity presentation does;
// groups likewise.

// displayName returns a user's or group's spec.profile.displayName, or "".
func displayName(e *callboard.Entity) string {
	switch strings.ToLower(e.Kind) {
	case "user", "group":
		if p, ok := e.Spec["profile"].(map[string]any); ok {
			dn, _ := p["displayName"].(string)
			return strings.TrimSpace(dn)
		}
	}
	return ""
}

// peopleRows shows the owners of rows by their display names: it reads
// the owners in one batch, taking those in known (the page's entities
// already read; nil for none) and adding those it reads to it.
func (s *Server) peopleRows(ctx context.Context, rows []entityRow, known map[string]*callboard.Entity) []entityRow {
	var refs []string
	seen := map[string]bool{}
	for _, r := range rows {
		if o := r.Owner.Ref; o != "" && !seen[o] {
			seen[o] = true
			refs = append(refs, o)
		}
	}
	if len(refs) == 0 {
		return rows
	}
	es, err := s.entitiesByRefs(ctx, refs, known)
	if err != nil {
		return rows // the short refs show
	}
	names := map[string]string{}
	for i, e := range es {
		if known != nil {
			known[refs[i]] = e
		}
		if e != nil {
			names[refs[i]] = displayName(e)
		}
	}
	for i := range rows {
		if dn := names[rows[i].Owner.Ref]; dn != "" {
			rows[i].Owner.Short = dn
		}
	}
	return rows
}

// displayNames returns the display names of the users and groups among
// refs, by ref; refs it cannot read are left out (the short ref shows).
func (s *Server) displayNames(ctx context.Context, refs []string) map[string]string {
	out := map[string]string{}
	if len(refs) == 0 {
		return out
	}
	es, err := s.catalog.EntitiesByRefs(ctx, refs, nil)
	if err != nil {
		return out
	}
	for i, e := range es {
		if e != nil {
			if dn := displayName(e); dn != "" {
				out[refs[i]] = dn
			}
		}
	}
	return out
}

// nameLinks shows the users and groups among links by their display
// names, read in one batch; the ref stays for the tooltip.
func (s *Server) nameLinks(ctx context.Context, links ...*refLink) {
	var refs []string
	for _, l := range links {
		if l.Ref != "" {
			refs = append(refs, l.Ref)
		}
	}
	names := s.displayNames(ctx, refs)
	for _, l := range links {
		if dn := names[l.Ref]; dn != "" {
			l.Short = dn
		}
	}
}

// personLink is a user ref (a task's creator) as a link shown by display
// name; a subject that is no entity ref shows as it is.
func (s *Server) personLink(ctx context.Context, subject string) refLink {
	r, err := callboard.ParseRef(subject, "user", "")
	if err != nil || subject == "" {
		return refLink{Ref: subject, Short: subject}
	}
	l := linkTo(r.String(), "user")
	s.nameLinks(ctx, &l)
	return l
}

// initial is the first letter of a name, for avatars (a whole rune, so
// 张伟 gives 张).
func initial(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}
