package web

import (
	"net/http"
	"path"
	"strings"
)

// trailingSlash redirects a page request whose path ends in "/" to the
// path without it (Backstage's router serves both, so bookmarks have
// either). The API, static assets and TechDocs pages, where a trailing
// slash names a folder's index, are left alone. ok is false when it
// answered.
func trailingSlash(w http.ResponseWriter, r *http.Request) (ok bool) {
	p := r.URL.Path
	if len(p) < 2 || !strings.HasSuffix(p, "/") || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return true
	}
	for _, pre := range []string{"/api/", "/static/", "/.backstage/"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	if strings.HasPrefix(p, "/docs/") && p != "/docs/" {
		return true
	}
	// Cleaned, so "//host/" cannot become a redirect to another site.
	to := path.Clean("/" + p)
	if q := r.URL.RawQuery; q != "" {
		to += "?" + q
	}
	http.Redirect(w, r, to, http.StatusMovedPermanently)
	return false
}
