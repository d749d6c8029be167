package web

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"callboard"
	"callboard/catalog"
	"callboard/index"
)

type registerView struct {
	Target   string
	Type     string
	Error    string
	Preview  []entityRow // what registering would import
	Exists   bool        // the location is registered already
	Writable bool
}

// locationOf reads what a user pasted: only an http(s) URL, as file
// locations would read the server's own disk.
func locationOf(target string) (typ, cleaned string, err error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return "", "", callboard.Errorf(callboard.Invalid, "paste the URL of a catalog-info.yaml")
	}
	if u, perr := url.Parse(target); perr == nil && (u.Scheme == "http" || u.Scheme == "https") {
		if u.Host == "" {
			return "", "", callboard.Errorf(callboard.Invalid, "%q is not a complete URL", target)
		}
		return catalog.TypeURL, target, nil
	}
	if strings.Contains(target, "://") || !filepath.IsAbs(target) {
		return "", "", callboard.Errorf(callboard.Invalid, "only http(s) URLs can be registered, not %q", target)
	}
	return "", "", catalog.CheckUserLocationType(catalog.TypeFile)
}

func (s *Server) handleRegisterPage(w http.ResponseWriter, r *http.Request) error {
	v := registerView{Target: r.URL.Query().Get("target"), Writable: s.authorized(r) && s.allowed(r, callboard.PermLocationDelete, nil)}
	return s.renderRegister(w, r, http.StatusOK, v)
}

func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, status int, v registerView) error {
	return s.render(w, r, status, "register", "", &page{
		Title: "Register an existing component", Nav: "create",
		Subtitle: "Import the entities of a catalog-info.yaml: paste its URL, check what it holds, confirm",
		Data:     v,
	})
}

// userError reports whether err is the user's to fix (shown inline in the
// form) rather than the server's.
func userError(err error) bool {
	switch callboard.ErrorKind(err) {
	case callboard.Invalid, callboard.NotFound, callboard.Conflict, callboard.Upstream, callboard.Forbidden:
		return true
	}
	return false
}

// handleRegisterAnalyze shows what registering the location would import,
// without storing anything (the dry run of POST /locations).
func (s *Server) handleRegisterAnalyze(w http.ResponseWriter, r *http.Request) error {
	v := registerView{Target: r.PostFormValue("target"), Writable: true}
	typ, target, err := locationOf(v.Target)
	if err == nil {
		// The preview reads the target as registering would: same permission.
		if err := s.authorize(r, callboard.PermLocationCreate, nil, typ+":"+target); err != nil {
			return err
		}
		v.Type, v.Target = typ, target
		var ents []*callboard.Entity
		_, ents, v.Exists, err = s.catalog.AddLocation(r.Context(), typ, target, true)
		for _, e := range ents {
			if !strings.EqualFold(e.Kind, "location") || len(ents) == 1 {
				v.Preview = append(v.Preview, rowOf(e))
			}
		}
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		v.Error = callboard.ErrorMessage(err)
		return s.renderRegister(w, r, http.StatusUnprocessableEntity, v)
	}
	return s.renderRegister(w, r, http.StatusOK, v)
}

// handleRegister registers the location and lands on its first entity.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	v := registerView{Target: r.PostFormValue("target"), Writable: true}
	typ, target, err := locationOf(v.Target)
	var ents []*callboard.Entity
	if err == nil {
		err = s.authorize(r, callboard.PermLocationCreate, nil, typ+":"+target)
		if err != nil {
			return err
		}
		var loc callboard.Location
		loc, ents, _, err = s.catalog.AddLocation(r.Context(), typ, target, false)
		s.audit(r, callboard.PermLocationCreate, typ+":"+target, err, map[string]any{"id": loc.ID, "entities": len(ents)})
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		v.Error = callboard.ErrorMessage(err)
		return s.renderRegister(w, r, http.StatusUnprocessableEntity, v)
	}
	dest := "/catalog?notice=registered"
	for _, e := range ents {
		if !strings.EqualFold(e.Kind, "location") {
			dest = refURL(e.Ref()) + "?notice=registered"
			break
		}
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
	return nil
}

type unregisterView struct {
	Entity   entityRow
	Location callboard.Location
	Rows     []entityRow // entities that came from the location
	Total    int
	More     int
	Writable bool
	Static   string // the origin of an entity from a configured location
}

// handleUnregisterPage shows the location an entity came from and what
// unregistering it removes, with the confirm button.
func (s *Server) handleUnregisterPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	e, err := s.catalog.Entity(ctx, ref)
	if err != nil {
		return err
	}
	loc, err := s.catalog.LocationByEntity(ctx, ref)
	if callboard.ErrorKind(err) == callboard.NotFound {
		// Static locations (catalog.locations in app-config) are not
		// registered, so there is nothing to unregister here.
		v := unregisterView{Entity: rowOf(e), Static: e.Annotation(callboard.AnnotationManagedByOriginLocation)}
		return s.render(w, r, http.StatusOK, "unregister", "", &page{
			Title: "Unregister location", Nav: "catalog", Data: v,
			Subtitle: "Stop reading a location and remove the entities that came only from it",
		})
	}
	if err != nil {
		return err
	}
	key := "metadata.annotations." + callboard.AnnotationManagedByOriginLocation
	es, total, err := s.catalog.Query(ctx, index.Query{
		Filter: index.Filter{{{Key: key, Values: []string{loc.Type + ":" + loc.Target}}}},
		Order:  []index.Order{{Field: "kind"}, {Field: "metadata.name"}}, Limit: relCap,
	})
	if err != nil {
		return err
	}
	v := unregisterView{Entity: rowOf(e), Location: loc, Rows: rowsOf(es), Total: total, More: total - len(es), Writable: s.authorized(r) && s.allowed(r, callboard.PermLocationDelete, nil)}
	return s.render(w, r, http.StatusOK, "unregister", "", &page{
		Title: "Unregister location", Nav: "catalog", Data: v,
		Subtitle: "Stop reading a location and remove the entities that came only from it",
	})
}

func (s *Server) handleUnregister(w http.ResponseWriter, r *http.Request) error {
	if err := s.deleteLocation(r, r.PostFormValue("location")); err != nil {
		return err
	}
	http.Redirect(w, r, "/catalog?notice=unregistered", http.StatusSeeOther)
	return nil
}

// handleDeleteOrphan deletes an orphaned entity; entities that a location
// still emits are refused (they would come back on the next read).
func (s *Server) handleDeleteOrphan(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	e, err := s.catalog.Entity(ctx, ref)
	if err != nil {
		return err
	}
	if e.Annotation(callboard.AnnotationOrphan) != "true" {
		return callboard.Errorf(callboard.Invalid, "%s is not an orphan: a location still provides it, so unregister that location instead", ref)
	}
	if err := s.authorize(r, callboard.PermEntityDelete, e, ref.String()); err != nil {
		return err
	}
	err = s.catalog.DeleteEntity(ctx, e.Metadata.UID)
	s.audit(r, callboard.PermEntityDelete, e.Ref().String(), err, map[string]any{"uid": e.Metadata.UID})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/catalog?notice=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) handleRefreshEntity(w http.ResponseWriter, r *http.Request) error {
	ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	if err := s.refreshEntity(r, ref.String()); err != nil {
		return err
	}
	http.Redirect(w, r, refURL(ref)+"?notice=refreshed", http.StatusSeeOther)
	return nil
}

type settingsView struct {
	Version string
	Dev     bool
	Team    refLink
	// The signed-in user's profile (the page's User has name and groups).
	Email string
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) error {
	v := settingsView{Version: callboard.Version, Dev: s.opts.Dev}
	if t := teamCookie(r); t != "" {
		v.Team = linkTo(t, "group")
		s.nameLinks(r.Context(), &v.Team)
	}
	if p := callboard.PrincipalFrom(r.Context()); !p.Anonymous() && !p.Service {
		if ref, err := callboard.ParseRef(p.Subject, "user", ""); err == nil {
			if e, err := s.catalog.Entity(r.Context(), ref); err == nil {
				if prof, ok := e.Spec["profile"].(map[string]any); ok {
					v.Email, _ = prof["email"].(string)
				}
			}
		}
	}
	return s.render(w, r, http.StatusOK, "settings", "", &page{Title: "Settings", Subtitle: "How this portal shows things to you", Nav: "settings", Data: v})
}
