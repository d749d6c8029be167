package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"callboard"
)

// uiFuncs are the helpers every template may call.
var uiFuncs = template.FuncMap{
	"entityURL": entityURL,
	"shortRef":  func(ref string) string { return shortRef(ref, "") },
	"refKind":   refKind,
	"stateOf":   stateOf,
	"linkIcon":  linkIcon,
	"kindIcon":  kindIcon,
	"lower":     strings.ToLower,
	"add":       func(a, b int) int { return a + b },
	"commas":    commas,
	"icon":      icon,
	"initial":   initial,
	"nav": func(url, icon, label, active string) navItem {
		return navItem{URL: url, Icon: icon, Label: label, Active: icon == active}
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}

type navItem struct {
	URL, Icon, Label string
	Active           bool
}

// icon returns a use of the sprite symbol i-<name> from parts.html.
func icon(name string) template.HTML {
	return template.HTML(`<svg class="i" aria-hidden="true" focusable="false"><use href="#i-` + //nolint:gosec // name is escaped
		template.HTMLEscapeString(name) + `"/></svg>`)
}

// entityURL returns the page of a canonical or partial ref, in Backstage's
// shape /catalog/{namespace}/{kind}/{name}.
func entityURL(ref string) string {
	r, err := callboard.ParseRef(ref, "component", "")
	if err != nil {
		return "/catalog"
	}
	return refURL(r)
}

func refURL(r callboard.EntityRef) string {
	ns := r.Namespace
	if ns == "" {
		ns = callboard.DefaultNamespace
	}
	return "/catalog/" + url.PathEscape(strings.ToLower(ns)) + "/" + url.PathEscape(strings.ToLower(r.Kind)) + "/" + url.PathEscape(r.Name)
}

// shortRef shows a ref the way Backstage's humanizeEntityRef does: the
// kind is left out when it is defaultKind (or when defaultKind is "" and
// the kind is the one people expect there: group, user, system, domain),
// the namespace when it is "default".
func shortRef(ref, defaultKind string) string {
	r, err := callboard.ParseRef(ref, "component", "")
	if err != nil {
		return ref
	}
	out := r.Name
	if !strings.EqualFold(r.Namespace, callboard.DefaultNamespace) {
		out = r.Namespace + "/" + out
	}
	k := strings.ToLower(r.Kind)
	if defaultKind != "" && k == strings.ToLower(defaultKind) {
		return out
	}
	switch k {
	case "group", "user", "system", "domain", "component", "api", "resource":
		if defaultKind == "" {
			return out
		}
	}
	return k + ":" + out
}

func refKind(ref string) string {
	r, err := callboard.ParseRef(ref, "component", "")
	if err != nil {
		return ""
	}
	return strings.ToLower(r.Kind)
}

// stateOf maps a lifecycle (or other state word) to the semantic colour
// class of UI.md: ok, warn, bad or muted.
func stateOf(v string) string {
	switch strings.ToLower(v) {
	case "production", "ok", "stable", "ga":
		return "ok"
	case "experimental", "beta", "alpha", "warning", "development":
		return "warn"
	case "error", "failing":
		return "bad"
	case "deprecated", "unknown", "retired", "":
		return "muted"
	}
	return "neutral"
}

// linkIcon maps Backstage's metadata.links icon names to our sprite.
func linkIcon(icon string) string {
	switch strings.ToLower(icon) {
	case "dashboard", "grafana":
		return "dashboard"
	case "docs", "techdocs", "book", "help":
		return "docs"
	case "chat", "slack":
		return "chat"
	case "github", "gitlab", "code", "source":
		return "code"
	case "email", "mail":
		return "mail"
	case "group", "user", "catalog", "kind:group", "kind:user":
		return "group"
	case "alert", "warning":
		return "alert"
	}
	return "link"
}

// kindIcon maps an entity kind to its sprite icon.
func kindIcon(kind string) string {
	switch strings.ToLower(kind) {
	case "component":
		return "box"
	case "api":
		return "plug"
	case "group":
		return "group"
	case "user":
		return "user"
	case "system":
		return "layers"
	case "domain":
		return "globe"
	case "resource":
		return "db"
	case "location":
		return "pin"
	case "template":
		return "create"
	}
	return "box"
}

// commas formats n with thousands separators.
func commas(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// teamCookie is the name of the cookie holding the "my team" choice until
// sign-in exists.
const teamCookieName = "callboard_team"

func teamCookie(r *http.Request) string {
	c, err := r.Cookie(teamCookieName)
	if err != nil {
		return ""
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	if _, err := callboard.ParseRef(v, "group", ""); err != nil {
		return ""
	}
	return v
}
