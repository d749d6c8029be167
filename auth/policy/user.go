package policy

import (
	"path"
	"slices"
	"strings"

	"callboard"
)

// UserCond holds conditions on the principal; every field given must hold,
// and a list holds when any of its items does.
type UserCond struct {
	Groups        []string // canonical group refs; the user is a member of one (Principal.Ownership)
	Emails        []string // globs such as "*@example.com", lowercased
	Refs          []string // canonical user refs or "external:<subject>"; the caller is one of them
	IsService     *bool    // a machine token (true) or a person (false)
	Authenticated *bool    // signed in or holding a token (true), or anonymous (false)
}

// match reports whether p meets c; a nil c matches everyone.
func (c *UserCond) match(p callboard.Principal) bool {
	if c == nil {
		return true
	}
	if c.Authenticated != nil && *c.Authenticated == p.Anonymous() {
		return false
	}
	if c.IsService != nil && *c.IsService != p.Service {
		return false
	}
	if len(c.Refs) > 0 && !slices.ContainsFunc(c.Refs, func(r string) bool { return refsEqual(r, p.Subject) }) {
		return false
	}
	if len(c.Groups) > 0 && !slices.ContainsFunc(c.Groups, func(g string) bool {
		return slices.ContainsFunc(p.Ownership, func(o string) bool { return refsEqual(g, o) })
	}) {
		return false
	}
	if len(c.Emails) > 0 {
		email := strings.ToLower(p.Email)
		if email == "" || !slices.ContainsFunc(c.Emails, func(g string) bool {
			ok, _ := path.Match(g, email)
			return ok
		}) {
			return false
		}
	}
	return true
}
