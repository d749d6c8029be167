package web

import (
	"net/http"
	"net/url"
	"strings"

	"callboard"
)

// userChip is the signed-in user as the header shows them: name linking to
// their User page, and the groups they act for.
type userChip struct {
	Ref, Name, Initial, URL string
	Groups                  []refLink
	Service                 bool // a machine token, not a person
}

// userChip describes r's principal, or returns nil for nobody. The name
// comes from the User entity's spec.profile.displayName when the catalog
// has it.
func (s *Server) userChip(r *http.Request) *userChip {
	p := callboard.PrincipalFrom(r.Context())
	if p.Anonymous() {
		return nil
	}
	c := &userChip{Ref: p.Subject, Name: p.Subject, Service: p.Service}
	if ref, err := callboard.ParseRef(p.Subject, "user", ""); err == nil && !p.Service {
		c.Name, c.URL = ref.Name, refURL(ref)
		if e, err := s.catalog.Entity(r.Context(), ref); err == nil {
			if prof, ok := e.Spec["profile"].(map[string]any); ok {
				if dn, _ := prof["displayName"].(string); dn != "" {
					c.Name = dn
				}
			}
		} else {
			c.URL = "" // a user outside the catalog (guest) has no page
		}
	}
	for _, o := range p.Ownership {
		if !strings.EqualFold(o, p.Subject) {
			c.Groups = append(c.Groups, linkTo(o, "group"))
		}
	}
	groups := make([]*refLink, len(c.Groups))
	for i := range c.Groups {
		groups[i] = &c.Groups[i]
	}
	s.nameLinks(r.Context(), groups...)
	if rs := []rune(c.Name); len(rs) > 0 {
		c.Initial = string(rs[0])
	}
	return c
}

// signInView is the sign-in page.
type signInView struct {
	Providers []signInProvider
	Redirect  string // where to return after signing in
}

type signInProvider struct {
	ID, Label, Help, URL string
}

// providerLabels name the providers on the sign-in page.
var providerLabels = map[string][2]string{
	"github": {"GitHub", "Sign in with your GitHub account"},
	"oidc":   {"Single sign-on", "Sign in with your company's identity provider (OpenID Connect)"},
	"guest":  {"Guest", "Enter without an account; for development and demos"},
}

// handleSignIn shows a button per configured provider. Each goes to
// Backstage's /api/auth/{provider}/start, which returns to redirect.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	v := signInView{Redirect: localRedirect(r.URL.Query().Get("redirect"))}
	if s.opts.Auth != nil {
		for _, id := range s.opts.Auth.Providers() {
			l := providerLabels[id]
			v.Providers = append(v.Providers, signInProvider{ID: id, Label: l[0], Help: l[1],
				URL: "/api/auth/" + id + "/start?redirectUrl=" + url.QueryEscape(v.Redirect)})
		}
	}
	return s.render(w, r, http.StatusOK, "signin", "", &page{
		Title: "Sign in", Subtitle: "Who you are decides what you own and what you may change", Nav: "signin", Data: v, Here: v.Redirect,
	})
}

// handleSignOut ends the session on the server and returns home.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Auth != nil {
		requestID(r) // so the sign-out's audit event carries one
		if err := s.opts.Auth.Logout(w, r); err != nil {
			return err
		}
	}
	// Outside dev mode the home page is for signed-in callers only.
	to := "/?notice=signedout"
	if !s.opts.Dev {
		to = "/signin?notice=signedout"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// localRedirect keeps redirects on this site.
func localRedirect(u string) string {
	if u == "" || u[0] != '/' || strings.HasPrefix(u, "//") || strings.HasPrefix(u, "/\\") || strings.HasPrefix(u, "/signin") {
		return "/"
	}
	return u
}
