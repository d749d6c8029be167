package onboard

import (
	"strings"

	"callboard"
	"callboard/descriptor"
)

// maxName is Backstage's limit for names and tags.
const maxName = 63

// SanitizeName turns a repository name into a valid metadata.name:
// lower case, characters outside [a-z0-9-_.] become '-', runs of
// separators shrink to their first one, separators at either end go, and
// the result is cut to 63 characters. It returns "" when nothing is left.
func SanitizeName(s string) string {
	return sanitize(strings.ToLower(s), func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
	}, "-_.", descriptor.ValidName)
}

// SanitizeTag turns a topic or language into a valid tag ([a-z0-9+#] in
// runs joined by single dashes), or "" when nothing is left.
func SanitizeTag(s string) string {
	return sanitize(strings.ToLower(s), func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '#'
	}, "-", descriptor.ValidTag)
}

// sanitize keeps runes for which word is true, turns the others into
// separators (seps[0] unless the rune is itself one of seps), collapses
// runs of separators and trims them from the ends; valid is the final
// check.
func sanitize(s string, word func(rune) bool, seps string, valid func(string) bool) string {
	var b strings.Builder
	lastSep := true // no separator at the start
	for _, r := range s {
		switch {
		case word(r):
			b.WriteRune(r)
			lastSep = false
		case !lastSep:
			if strings.ContainsRune(seps, r) {
				b.WriteRune(r)
			} else {
				b.WriteByte(seps[0])
			}
			lastSep = true
		}
	}
	out := b.String()
	if len(out) > maxName {
		out = out[:maxName]
	}
	out = strings.TrimRight(out, seps)
	if !valid(out) {
		return ""
	}
	return out
}

// CheckOwner checks an --owner value: an entity reference to a group or
// user ("group:default/team", "team" means a group) with a valid name and
// namespace. Errors are Invalid.
func CheckOwner(ref string) error {
	r, err := callboard.ParseRef(ref, "group", callboard.DefaultNamespace)
	if err != nil {
		return err
	}
	k := strings.ToLower(r.Kind)
	if (k != "group" && k != "user") || !descriptor.ValidNamespace(r.Namespace) || !descriptor.ValidName(r.Name) {
		return callboard.Errorf(callboard.Invalid, "owner %q must name a group or user with a valid namespace and name, like group:default/platform", ref)
	}
	return nil
}
