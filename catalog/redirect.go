package catalog

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// maxRedirects caps the hops of one read, as net/http's default does.
const maxRedirects = 10

// errRedirect is returned by CheckRedirect for a hop that is refused.
type errRedirect struct{ msg string }

func (e *errRedirect) Error() string { return e.msg }

// guardRedirects returns a copy of c whose redirects are followed only to
// allowed hosts, so an allowed host cannot bounce a read to a host the
// operator did not allow (an internal service, say). A CheckRedirect of
// c's own runs after the host check.
func guardRedirects(c *http.Client, allowed func(*url.URL) bool) *http.Client {
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return &errRedirect{fmt.Sprintf("stopped after %d redirects", maxRedirects)}
		}
		if (req.URL.Scheme != "http" && req.URL.Scheme != "https") || !allowed(req.URL) {
			return &errRedirect{fmt.Sprintf("redirect to %s is not allowed; add its host to backend.reading.allow", req.URL.Host)}
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &cc
}

// redirectRefused reports whether err is a refused redirect, and its message.
func redirectRefused(err error) (string, bool) {
	var re *errRedirect
	if errors.As(err, &re) {
		return re.msg, true
	}
	return "", false
}
