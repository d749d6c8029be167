// Package urlread reads http(s) URLs that users name: catalog locations
// and placeholders, the scaffolder's fetch actions, and the host check of
// TechDocs url: sources. It is the one place that decides which hosts may
// be read (backend.reading.allow and the configured integrations), checks
// every redirect hop again, bounds size and time, and sends an
// integration's credentials to that integration's host only.
package urlread

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"callboard"
)

// Defaults for a Reader's zero fields.
const (
	DefaultMaxBytes = 8 << 20
	DefaultTimeout  = 10 * time.Second
)

// maxRedirects caps the hops of one read, as net/http's default does.
const maxRedirects = 10

// Reader reads URLs from allowed hosts. The zero Reader reads nothing:
// every host is refused. A Reader may be copied (to change MaxBytes or
// Timeout for one caller) and used from several goroutines at once.
type Reader struct {
	// Allow is backend.reading.allow: the hosts, ports and paths that may
	// be read, the first request and every redirect alike.
	Allow callboard.AllowRules
	// Client sends the requests; nil is a plain client. Its own
	// CheckRedirect, if any, runs after the Reader's checks.
	Client *http.Client
	// MaxBytes bounds one read; 0 is DefaultMaxBytes.
	MaxBytes int64
	// Timeout bounds one HTTP read, redirects and body included; 0 is
	// DefaultTimeout. An integration's Read keeps its own bounds (GitHub
	// waits for a rate limit to reset up to its MaxWait).
	Timeout time.Duration
	// Integrations are the configured integrations (GitHub with its
	// token), in order. Their hosts may be read without an Allow entry,
	// as Backstage reads every configured integration host.
	Integrations []Integration
}

// Integration is what one configured integration adds to reading.
type Integration struct {
	// Host is the integration's host, in AllowRule's form: "github.com"
	// (the scheme's default port only) or "ghe.example.com:8443".
	Host string
	// Authorization, when set, returns the Authorization header value
	// ("token …", "Bearer …") for a URL on Host. Only requests to Host get
	// it; a redirect to any other host goes without it.
	Authorization func(ctx context.Context, u *url.URL) (string, error)
	// Read, when set, is asked first about the URLs on Host, and never
	// about others: it reads the URLs it recognizes itself (GitHub's
	// contents API with its token and cache) and says handled=false for
	// the rest, which are read over HTTP.
	Read func(ctx context.Context, u *url.URL) (data []byte, handled bool, err error)
	// ReadTree, when set, reads the directory URLs on Host it recognizes
	// (a repository's tree: fetch:template's skeleton) and says
	// handled=false for the rest.
	ReadTree func(ctx context.Context, u *url.URL) (tree fs.FS, handled bool, err error)
}

// serves reports whether u is on the integration's host.
func (in Integration) serves(u *url.URL) bool {
	return in.Host != "" && callboard.AllowRule{Host: in.Host}.Allows(u)
}

// Allows reports whether u may be read: an http(s) URL that Allow allows
// or that is on an integration's host.
func (r *Reader) Allows(u *url.URL) bool {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if r.Allow.Allows(u) {
		return true
	}
	for _, in := range r.Integrations {
		if in.serves(u) {
			return true
		}
	}
	return false
}

// ReadTree returns the directory at target, read by the integration of
// its host (GitHub's tree of a repository). Invalid when no integration
// recognizes it: plain HTTP serves no directories.
func (r *Reader) ReadTree(ctx context.Context, target string) (fs.FS, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, callboard.Errorf(callboard.Invalid, "%q is not an http(s) URL", target)
	}
	for _, in := range r.Integrations {
		if in.ReadTree == nil || !in.serves(u) {
			continue
		}
		if tree, ok, err := in.ReadTree(ctx, u); ok {
			return tree, err
		}
	}
	return nil, callboard.Errorf(callboard.Invalid,
		"cannot read the directory %s: only hosts with an integration (integrations.github) serve directories", target)
}

// Read returns the body of target. Errors:
//   - Invalid: target is not an http(s) URL, or the body is larger than
//     MaxBytes;
//   - Forbidden: the host, or a redirect's, is not allowed, or there were
//     too many redirects;
//   - NotFound: the server answered 404;
//   - Upstream: any other failure (status, network, timeout).
//
// A URL an integration's Read handles gets that Read's errors.
func (r *Reader) Read(ctx context.Context, target string) ([]byte, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, callboard.Errorf(callboard.Invalid, "%q is not an http(s) URL", target)
	}
	for _, in := range r.Integrations {
		if in.Read == nil || !in.serves(u) {
			continue
		}
		if b, ok, err := in.Read(ctx, u); ok {
			if err == nil && int64(len(b)) > r.maxBytes() {
				return nil, r.tooLarge(target)
			}
			return b, err
		}
	}
	fetch := rawURL(u)
	for _, v := range []*url.URL{u, fetch} {
		if !r.Allows(v) {
			return nil, callboard.Errorf(callboard.Forbidden,
				"reading from %s is not allowed; add it to backend.reading.allow or configure an integration for it", v.Host)
		}
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fetch.String(), nil)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "bad URL %s", target)
	}
	if err := r.authorize(req); err != nil {
		return nil, err
	}
	resp, err := r.client().Do(req)
	var refused *redirectError
	if errors.As(err, &refused) {
		return nil, callboard.Errorf(callboard.Forbidden, "read %s: %s", target, refused.msg)
	}
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read %s", target)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, callboard.Errorf(callboard.NotFound, "%s returned 404 Not Found", target)
	}
	if resp.StatusCode/100 != 2 {
		return nil, callboard.Errorf(callboard.Upstream, "%s returned %s", target, resp.Status)
	}
	max := r.maxBytes()
	if resp.ContentLength > max {
		return nil, r.tooLarge(target)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "read %s", target)
	}
	if int64(len(b)) > max {
		return nil, r.tooLarge(target)
	}
	return b, nil
}

func (r *Reader) maxBytes() int64 {
	if r.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return r.MaxBytes
}

func (r *Reader) tooLarge(target string) error {
	max := r.maxBytes()
	if max%(1<<20) == 0 {
		return callboard.Errorf(callboard.Invalid, "%s is larger than %d MiB", target, max>>20)
	}
	return callboard.Errorf(callboard.Invalid, "%s is larger than %d bytes", target, max)
}

// authorize sets req's Authorization header to the credentials of the
// integration serving req's host, and removes any other: net/http keeps
// the first request's header on a redirect to the same host name on
// another port, or to a subdomain, which may belong to someone else.
func (r *Reader) authorize(req *http.Request) error {
	req.Header.Del("Authorization")
	for _, in := range r.Integrations {
		if in.Authorization == nil || !in.serves(req.URL) {
			continue
		}
		v, err := in.Authorization(req.Context(), req.URL)
		if err != nil {
			if callboard.ErrorKind(err) == callboard.Internal {
				err = callboard.Wrap(callboard.Upstream, err, "credentials for %s", req.URL.Host)
			}
			return err
		}
		if v != "" {
			req.Header.Set("Authorization", v)
		}
		return nil
	}
	return nil
}

// redirectError is a redirect the Reader refused.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// client returns a copy of the Reader's client that follows a redirect
// only to an http(s) URL the Reader allows, so an allowed host cannot
// bounce a read to one the operator did not allow (an internal service,
// say), and that gives each hop its own host's credentials.
func (r *Reader) client() *http.Client {
	var cc http.Client
	if r.Client != nil {
		cc = *r.Client
	}
	next := cc.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return &redirectError{fmt.Sprintf("stopped after %d redirects", maxRedirects)}
		}
		if !r.Allows(req.URL) {
			return &redirectError{fmt.Sprintf("redirect to %s is not allowed; add its host to backend.reading.allow", redirectTarget(req.URL))}
		}
		if err := r.authorize(req); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &cc
}

// redirectTarget names a refused redirect: its host, or its scheme when
// it has none (file:///etc/passwd).
func redirectTarget(u *url.URL) string {
	if u.Host == "" {
		return u.Scheme + ":"
	}
	return u.Host
}

// rawURL turns a GitHub blob URL into its raw content URL, as Backstage's
// GitHub reader does for public repositories. An integration for
// github.com reads such URLs first, with its token.
func rawURL(u *url.URL) *url.URL {
	if u.Host != "github.com" {
		return u
	}
	parts := strings.SplitN(strings.TrimPrefix(u.Path, "/"), "/", 5)
	if len(parts) == 5 && (parts[2] == "blob" || parts[2] == "tree") {
		c := *u
		c.Host = "raw.githubusercontent.com"
		c.Path = "/" + parts[0] + "/" + parts[1] + "/" + parts[3] + "/" + parts[4]
		c.RawPath = ""
		return &c
	}
	return u
}
