package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"callboard"
	"callboard/index"
)

// devUser is who a caller is in dev mode without sign-in: Backstage's
// guest, whom the scaffolder also records (taskActor).
const devUser = "user:development/guest"

// viewer is the user the page is for: the signed-in user, in dev mode
// the guest; "" for nobody and for machines. Stars and the Owned filter
// belong to this user.
func (s *Server) viewer(r *http.Request) (ref string, ownership []string) {
	p := callboard.PrincipalFrom(r.Context())
	switch {
	case p.Service:
		return "", nil
	case !p.Anonymous():
		own := p.Ownership
		if len(own) == 0 {
			own = []string{p.Subject}
		}
		return p.Subject, own
	case s.opts.Dev:
		return devUser, []string{devUser}
	}
	return "", nil
}

// starred returns the viewer's starred refs; none without a star store or
// a viewer.
func (s *Server) starred(ctx context.Context, user string) ([]string, error) {
	if s.opts.Stars == nil || user == "" {
		return nil, nil
	}
	return s.opts.Stars.Starred(ctx, user)
}

// isStarred reports whether user starred ref.
func (s *Server) isStarred(ctx context.Context, user, ref string) (bool, error) {
	refs, err := s.starred(ctx, user)
	for _, r := range refs {
		if strings.EqualFold(r, ref) {
			return true, err
		}
	}
	return false, err
}

// handleStar stars or unstars (star=0) the entity for the viewer, then
// returns to the entity page. It runs behind s.form: same-origin POSTs of
// callers who may write.
func (s *Server) handleStar(w http.ResponseWriter, r *http.Request) error {
	user, _ := s.viewer(r)
	if user == "" {
		return callboard.Errorf(callboard.Unauthenticated, "starring is for signed-in users: sign in at /signin, then try again")
	}
	if s.opts.Stars == nil {
		return callboard.Errorf(callboard.NotFound, "stars are not kept on this instance")
	}
	e, err := s.catalog.Entity(r.Context(), pathRef(r))
	if err != nil {
		return err
	}
	ref := e.Ref().String()
	if r.PostFormValue("star") == "0" {
		err = s.opts.Stars.Unstar(r.Context(), user, ref)
	} else {
		err = s.opts.Stars.Star(r.Context(), user, ref)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, refURL(e.Ref()), http.StatusSeeOther)
	return nil
}

// uidCondition keeps the entities of refs (uid list; none for no refs).
func (s *Server) uidCondition(ctx context.Context, refs []string) (index.Condition, error) {
	uids := []string{} // not nil: no refs keep no entity
	if len(refs) > 0 {
		es, err := s.catalog.EntitiesByRefs(ctx, refs, nil)
		if err != nil {
			return index.Condition{}, err
		}
		for _, e := range es {
			if e != nil {
				uids = append(uids, e.Metadata.UID)
			}
		}
	}
	return index.Condition{Key: "metadata.uid", Values: uids}, nil
}

// userView is one choice of the Owned / Starred / All switch.
type userView struct {
	Value, Label, URL string
	Count             int
	Active            bool
}

// applyUserFilter narrows p to what the viewer owns (directly or through
// their groups, p.User "owned") or starred ("starred"), and returns the
// switch with each choice's count under the other filters. Without a
// viewer there is no switch and p.User is dropped.
func (s *Server) applyUserFilter(r *http.Request, p *catalogParams, base string) ([]userView, error) {
	ctx := r.Context()
	user, own := s.viewer(r)
	if user == "" {
		p.User = ""
		return nil, nil
	}
	stars, err := s.starred(ctx, user)
	if err != nil {
		return nil, err
	}
	starCond, err := s.uidCondition(ctx, stars)
	if err != nil {
		return nil, err
	}
	conds := map[string]index.Condition{
		"owned":   {Key: "relations.ownedby", Values: own},
		"starred": starCond,
	}
	choices := []userView{{Value: "owned", Label: "Owned"}, {Value: "starred", Label: "Starred"}, {Value: "", Label: "All"}}
	if s.opts.Stars == nil {
		choices = slices.Delete(choices, 1, 2)
	}
	for i := range choices {
		c := &choices[i]
		q := *p
		q.User, q.Page = c.Value, 1
		c.URL, c.Active = q.url(base), p.User == c.Value
		if c.Value != "" {
			q.Extra = append(slices.Clone(p.Extra), conds[c.Value])
		}
		query := index.Query{Filter: q.filter(""), Limit: 1}
		if p.Text != "" {
			query.FullText = index.FullText{Term: p.Text, Fields: catalogTextFields}
		}
		if _, c.Count, err = s.catalog.Query(ctx, query); err != nil {
			return nil, err
		}
	}
	if p.User != "" {
		p.Extra = append(p.Extra, conds[p.User])
	}
	return choices, nil
}
