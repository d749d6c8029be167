package metrics

import (
	"net/url"
	"strings"
)

// Location returns a catalog location ("type:target") fit for a label:
// a URL target loses its user info, query and fragment, where tokens
// sometimes ride.
func Location(loc string) string {
	typ, target, ok := strings.Cut(loc, ":")
	if !ok {
		return loc
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if strings.ContainsAny(target, "?@") && strings.Contains(target, "://") {
			return typ + ":(unparsable URL)"
		}
		return loc
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return typ + ":" + u.String()
}
