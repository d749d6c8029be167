package onboard

import (
	"strings"
)

// codeownersPaths are where GitHub looks for CODEOWNERS, in its order.
var codeownersPaths = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// codeownersTeam returns the team that owns the whole repository by a
// CODEOWNERS file of org: the first @org/team of the last rule for "*"
// or "/" (GitHub lets the last matching rule win), else the first
// @org/team named anywhere. Users and teams of other organizations are
// not owners of a catalog entity; they are passed over.
func codeownersTeam(org, content string) string {
	var first, whole string
	for _, line := range strings.Split(content, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		team := ""
		for _, o := range f[1:] {
			if t, ok := teamOf(org, o); ok {
				team = t
				break
			}
		}
		if team == "" {
			continue
		}
		if first == "" {
			first = team
		}
		if f[0] == "*" || f[0] == "/" || f[0] == "/*" || f[0] == "**" {
			whole = team
		}
	}
	if whole != "" {
		return whole
	}
	return first
}

// teamOf reads "@org/team-slug" (org compared case-insensitively).
func teamOf(org, owner string) (string, bool) {
	o, slug, ok := strings.Cut(strings.TrimPrefix(owner, "@"), "/")
	if !ok || !strings.HasPrefix(owner, "@") || !strings.EqualFold(o, org) || slug == "" {
		return "", false
	}
	return strings.ToLower(slug), true
}
