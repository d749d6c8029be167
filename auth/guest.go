package auth

import (
	"net/http"
	"strings"

	"callboard"
)

// DefaultGuestRef is who a guest is unless auth.providers.guest says.
const DefaultGuestRef = "user:development/guest"

// guest is Backstage's guest provider: sign in without credentials, as one
// fixed user. Offered only in development (dev mode or auth.environment:
// development) or when auth.providers.guest is configured.
type guest struct {
	ref       callboard.EntityRef
	ownership []string // configured; nil means computed from the catalog
}

func newGuest(s *Service, opts Options) (*guest, error) {
	devEnv := opts.Environment == "development"
	if opts.Guest == nil && !opts.Dev && !(opts.EnvironmentSet && devEnv) {
		return nil, nil
	}
	g := &guest{}
	ref := DefaultGuestRef
	if c := opts.Guest; c != nil {
		if !devEnv && !c.DangerouslyAllowOutsideDevelopment {
			return nil, callboard.Errorf(callboard.Invalid,
				"auth.providers.guest: the guest provider lets anyone sign in, so it is refused in auth.environment %q; "+
					"use it in development, or set dangerouslyAllowOutsideDevelopment: true", opts.Environment)
		}
		if c.UserEntityRef != "" {
			ref = c.UserEntityRef
		}
		for i, o := range c.OwnershipEntityRefs {
			r, err := callboard.ParseRef(o, "group", "")
			if err != nil {
				return nil, callboard.Errorf(callboard.Invalid, "auth.providers.guest.ownershipEntityRefs[%d]: %s", i, callboard.ErrorMessage(err))
			}
			g.ownership = append(g.ownership, r.String())
		}
	}
	r, err := callboard.ParseRef(ref, "user", "")
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "auth.providers.guest.userEntityRef: %s", callboard.ErrorMessage(err))
	}
	g.ref = r
	return g, nil
}

// guestPrincipal is the guest user; its groups come from the catalog when
// the catalog has that user.
func (s *Service) guestPrincipal(r *http.Request) (callboard.Principal, error) {
	ref := s.guest.ref.String()
	p := callboard.Principal{Subject: ref, Ownership: []string{ref}}
	if s.guest.ownership != nil {
		p.Ownership = append(p.Ownership, s.guest.ownership...)
		return p, nil
	}
	users, err := s.opts.Catalog.Users(r.Context(), "metadata.name", s.guest.ref.Name)
	if err != nil {
		return p, err
	}
	for _, u := range users {
		if strings.EqualFold(u.Ref().String(), ref) {
			return principalOf(u, ""), nil
		}
	}
	return p, nil
}

// guestSession signs the browser in as the guest.
func (s *Service) guestSession(w http.ResponseWriter, r *http.Request) (Session, string, error) {
	p, err := s.guestPrincipal(r)
	if err != nil {
		return Session{}, "", err
	}
	prof := s.profileOf(r.Context(), Identity{Provider: "guest", DisplayName: ""}, p)
	if prof.DisplayName == "" {
		prof.DisplayName = "Guest"
	}
	return s.signIn(w, r, "guest", p, prof, DefaultSessionDuration)
}

func (s *Service) guestStart(w http.ResponseWriter, r *http.Request, redirect string) error {
	if s.guest == nil {
		return callboard.Errorf(callboard.NotFound,
			"guest sign-in is off: it needs auth.environment: development, --dev, or auth.providers.guest")
	}
	if _, _, err := s.guestSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, redirect, http.StatusSeeOther)
	return nil
}
