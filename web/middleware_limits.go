package web

import (
	"net/http"

	"callboard"
)

// maxURLBytes bounds a request's URL (path and query). Go's server already
// refuses request lines and headers past http.Server.MaxHeaderBytes (1 MiB
// by default), but a URL of that size is still a query of tens of
// thousands of parameters; 64 KiB leaves room for a thousand-value filter.
const maxURLBytes = 64 << 10

// withinLimits answers a request whose URL is too long with an InputError
// and reports whether the request may go on.
func withinLimits(w http.ResponseWriter, r *http.Request) bool {
	n := len(r.RequestURI)
	if n == 0 {
		n = len(r.URL.RequestURI())
	}
	if n <= maxURLBytes {
		return true
	}
	writeError(w, r, callboard.Errorf(callboard.Invalid,
		"Request URL too long: %d bytes, at most %d; send fewer parameters, or a POST body (POST /api/catalog/entities/by-query)", n, maxURLBytes))
	return false
}
