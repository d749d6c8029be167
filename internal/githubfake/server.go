// Package githubfake is an in-process GitHub for tests: an httptest server
// speaking GitHub's documented REST JSON (repositories, contents, trees,
// teams, members, pull requests, Apps installation tokens, rate-limit
// headers, ETags) over real bare git repositories, which it also serves with
// git's smart HTTP protocol (git http-backend) so clones and pushes are real.
// It is the one GitHub fake of the project; other fakes (OAuth) mount their
// handlers on it with Handle.
package githubfake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a fake github.com. Its API answers at URL()+"/" (as
// api.github.com does) and at URL()+"/api/v3/" (as GitHub Enterprise does);
// git repositories at URL()+"/{owner}/{repo}.git".
type Server struct {
	*httptest.Server
	t           testing.TB
	dir         string
	mux         *http.ServeMux // routes without the /api/v3 prefix
	apiPatterns map[string]bool

	mu         sync.Mutex
	repos      map[string]*Repo // "owner/name" -> repo
	orgs       map[string]*Org
	users      map[string]*User
	tokens     map[string]string // token -> login ("" = app installation)
	pulls      map[string][]*Pull
	dispatches []Dispatch
	workflows  map[string]bool // "owner/file" dispatchable in every repo of owner
	apps       map[int64]*App
	instTokens map[string]int64 // installation token -> installation id
	nextID     atomic.Int64

	// GitHub Actions (api_actions.go).
	runs          map[string][]*Run // "owner/name" -> workflow runs
	deployments   map[string][]*Deployment
	reruns        map[string][]int64
	actionsStatus map[string]int // "owner/name" -> forced status of Actions requests

	// Rate limit: each token may make Limit requests per window; 304s are
	// free, as on GitHub.
	limit     int
	used      map[string]int
	reset     time.Time
	secondary map[string]bool // tokens that get a secondary limit (429 + Retry-After)

	cache gitCache // read-only git answers, per repository

	requests    atomic.Int64 // API requests served (any status)
	notModified atomic.Int64 // 304 answers
}

// Token is the personal access token every new Server accepts.
const Token = "ghp_faketoken0123456789"

// NewServer starts a fake GitHub that stops when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, dir: t.TempDir(), mux: http.NewServeMux(), apiPatterns: map[string]bool{},
		repos: map[string]*Repo{}, orgs: map[string]*Org{}, users: map[string]*User{},
		tokens: map[string]string{Token: "octocat"}, pulls: map[string][]*Pull{},
		apps: map[int64]*App{}, workflows: map[string]bool{}, instTokens: map[string]int64{},
		limit: 5000, used: map[string]int{}, reset: time.Now().Add(time.Hour), secondary: map[string]bool{}}
	s.nextID.Store(1000)
	s.users["octocat"] = &User{Login: "octocat", Name: "The Octocat", Email: "octocat@github.com"}
	s.routes()
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Handle mounts an extra handler (for example GitHub's OAuth web flow) on
// the server, with net/http pattern syntax. Patterns are matched after the
// Enterprise /api/v3 prefix is removed.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// APIURL is the REST base URL for GitHub Enterprise clients (…/api/v3/).
func (s *Server) APIURL() string { return s.URL + "/api/v3/" }

// Host is the server's host:port, what repoUrl and catalog URLs name.
func (s *Server) Host() string { return strings.TrimPrefix(s.URL, "http://") }

// AddToken makes token valid for the user login.
func (s *Server) AddToken(token, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = login
}

// SetRateLimit sets how many requests each token may make before GitHub's
// rate-limit answer, and when the window resets.
func (s *Server) SetRateLimit(limit int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit, s.reset, s.used = limit, reset, map[string]int{}
}

// Requests reports how many API requests were served and how many of them
// were answered 304 Not Modified.
func (s *Server) Requests() (total, notModified int64) {
	return s.requests.Load(), s.notModified.Load()
}

// ResetCounts zeroes the request counters.
func (s *Server) ResetCounts() { s.requests.Store(0); s.notModified.Store(0) }

// serve strips the Enterprise prefix, serves git, then the API with auth,
// rate limit and ETag handling around every route.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if p, ok := strings.CutPrefix(r.URL.Path, "/api/v3"); ok {
		r.URL.Path = p
		if r.URL.Path == "" {
			r.URL.Path = "/"
		}
	}
	if strings.Contains(r.URL.Path, ".git/") || strings.HasSuffix(r.URL.Path, ".git") {
		s.serveGit(w, r)
		return
	}
	if h, pattern := s.mux.Handler(r); pattern != "" && !s.isAPI(pattern) {
		h.ServeHTTP(w, r) // mounted extras (OAuth pages) get no API treatment
		return
	}
	s.requests.Add(1)
	login, token, ok := s.auth(r)
	if !ok {
		writeErr(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if !s.rateLimit(w, token) {
		return
	}
	if r.Method != http.MethodGet {
		s.mux.ServeHTTP(w, withLogin(r, login))
		return
	}
	// Buffer GETs to give them an ETag and answer If-None-Match.
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	s.mux.ServeHTTP(rec, withLogin(r, login))
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if rec.code == http.StatusOK {
		sum := sha256.Sum256(rec.body.Bytes())
		etag := `"` + hex.EncodeToString(sum[:16]) + `"`
		w.Header().Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "W/"+etag) {
			s.notModified.Add(1)
			s.refund(token)
			rem, _ := strconv.Atoi(w.Header().Get("X-RateLimit-Remaining"))
			used, _ := strconv.Atoi(w.Header().Get("X-RateLimit-Used"))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(rem+1))
			w.Header().Set("X-RateLimit-Used", strconv.Itoa(max(used-1, 0)))
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(rec.code)
	_, _ = w.Write(rec.body.Bytes())
}

func (s *Server) isAPI(pattern string) bool { return s.apiPatterns[pattern] }

// api registers an API route.
func (s *Server) api(pattern string, h http.HandlerFunc) {
	s.apiPatterns[pattern] = true
	s.mux.HandleFunc(pattern, h)
}

func withLogin(r *http.Request, login string) *http.Request {
	r.Header.Set("X-Fake-Login", login)
	return r
}

func loginOf(r *http.Request) string { return r.Header.Get("X-Fake-Login") }

// auth accepts "token X" and "Bearer X" for personal and installation
// tokens; App JWTs are checked by the app routes themselves.
func (s *Server) auth(r *http.Request) (login, token string, ok bool) {
	h := r.Header.Get("Authorization")
	_, token, found := strings.Cut(h, " ")
	if !found {
		return "", "", false
	}
	if strings.HasPrefix(r.URL.Path, "/app") {
		return "", token, true // JWT, verified in app.go
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.tokens[token]; ok {
		return l, token, true
	}
	if _, ok := s.instTokens[token]; ok {
		return "", token, true
	}
	return "", "", false
}

// rateLimit counts the request against token and writes GitHub's headers;
// when the limit is spent it answers 403 (primary) or 429 with Retry-After
// (secondary) and returns false.
func (s *Server) rateLimit(w http.ResponseWriter, token string) bool {
	s.mu.Lock()
	if time.Now().After(s.reset) {
		s.used = map[string]int{}
		s.reset = time.Now().Add(time.Hour)
	}
	secondary := s.secondary[token]
	delete(s.secondary, token)
	used := s.used[token]
	exhausted := used >= s.limit
	if !exhausted && !secondary {
		used++
		s.used[token] = used
	}
	limit, reset := s.limit, s.reset
	s.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-used, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Resource", "core")
	switch {
	case secondary:
		h.Set("Retry-After", "1")
		writeErr(w, http.StatusTooManyRequests, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
		return false
	case exhausted:
		writeErr(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.")
		return false
	}
	return true
}

// refund gives back the unit of a 304, which GitHub does not count.
func (s *Server) refund(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used[token] > 0 {
		s.used[token]--
	}
}

// SecondaryLimitOnce makes the next request with token get a secondary
// rate limit answer (429 with Retry-After: 1).
func (s *Server) SecondaryLimitOnce(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secondary[token] = true
}

// recorder buffers a response.
type recorder struct {
	header http.Header
	body   bytes.Buffer
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeErr writes GitHub's error body.
func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"message": msg,
		"documentation_url": "https://docs.github.com/rest"})
}

// paginate returns the page of items the request asks for (per_page,
// default 30, at most 100; page from 1) and sets GitHub's Link header.
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	last := max((len(items)+per-1)/per, 1)
	link := func(p int, rel string) string {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		u.RawQuery = q.Encode()
		return fmt.Sprintf(`<http://%s%s>; rel="%s"`, r.Host, u.RequestURI(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo := min((page-1)*per, len(items))
	return items[lo:min(lo+per, len(items))]
}
