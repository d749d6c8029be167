// Package argocdfake is an in-process Argo CD for tests: an httptest
// server speaking the documented JSON of Argo CD's REST API (the
// grpc-gateway of api/v1): session login (POST /api/v1/session), one
// application (GET /api/v1/applications/{name}) and applications by label
// selector (GET /api/v1/applications?selector=). It checks bearer tokens
// (the Authorization header or the argocd.token cookie, as Argo CD does),
// answers Argo CD's error body {"error","code","message"}, and has knobs
// for failures: a status for every request, 429 rate limiting, a delay,
// expiring session tokens, and an error message that echoes the caller's
// credentials (a careless upstream).
package argocdfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Application is Argo CD's Application resource, as much of it as the
// plugin reads (argoproj.io/v1alpha1).
type Application struct {
	Metadata Metadata          `json:"metadata"`
	Spec     ApplicationSpec   `json:"spec"`
	Status   ApplicationStatus `json:"status"`
}

// Metadata is the resource's object metadata.
type Metadata struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// ApplicationSpec is the desired state.
type ApplicationSpec struct {
	Project     string      `json:"project,omitempty"`
	Source      *Source     `json:"source,omitempty"`
	Destination Destination `json:"destination"`
}

// Source is where the manifests come from.
type Source struct {
	RepoURL        string `json:"repoURL"`
	Path           string `json:"path,omitempty"`
	TargetRevision string `json:"targetRevision,omitempty"`
	Chart          string `json:"chart,omitempty"`
}

// Destination is the cluster and namespace deployed to.
type Destination struct {
	Server    string `json:"server,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// ApplicationStatus is the observed state.
type ApplicationStatus struct {
	Sync           SyncStatus        `json:"sync"`
	Health         HealthStatus      `json:"health"`
	History        []RevisionHistory `json:"history,omitempty"`
	OperationState *OperationState   `json:"operationState,omitempty"`
	ReconciledAt   *time.Time        `json:"reconciledAt,omitempty"`
}

// SyncStatus is Synced, OutOfSync or Unknown, at a revision.
type SyncStatus struct {
	Status   string `json:"status"`
	Revision string `json:"revision,omitempty"`
}

// HealthStatus is Healthy, Progressing, Degraded, Suspended, Missing or
// Unknown.
type HealthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// RevisionHistory is one deployment.
type RevisionHistory struct {
	ID              int64        `json:"id"`
	Revision        string       `json:"revision"`
	DeployedAt      time.Time    `json:"deployedAt"`
	DeployStartedAt *time.Time   `json:"deployStartedAt,omitempty"`
	Source          *Source      `json:"source,omitempty"`
	InitiatedBy     *InitiatedBy `json:"initiatedBy,omitempty"`
}

// InitiatedBy says who started an operation.
type InitiatedBy struct {
	Username  string `json:"username,omitempty"`
	Automated bool   `json:"automated,omitempty"`
}

// OperationState is the last (or running) sync.
type OperationState struct {
	Operation  Operation   `json:"operation"`
	Phase      string      `json:"phase"` // Running, Succeeded, Failed, Error, Terminating
	Message    string      `json:"message,omitempty"`
	SyncResult *SyncResult `json:"syncResult,omitempty"`
	StartedAt  time.Time   `json:"startedAt"`
	FinishedAt *time.Time  `json:"finishedAt,omitempty"`
}

// Operation is what was asked for.
type Operation struct {
	InitiatedBy InitiatedBy `json:"initiatedBy"`
}

// SyncResult is the outcome of a sync.
type SyncResult struct {
	Revision string `json:"revision"`
}

// Server is a fake Argo CD.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	apps      map[string]*Application
	users     map[string]string // username -> password
	tokens    map[string]bool   // valid bearer tokens
	status    int               // answer every API request with this status (0: off)
	rateLimit int               // answer this many more API requests with 429
	delay     time.Duration
	echo      bool // error messages echo the caller's credentials
	together  int  // hold application requests until this many are in flight
	waiting   int
	gate      chan struct{} // closed when together requests wait
	nextToken int

	requests atomic.Int64 // application requests served (any status)
	logins   atomic.Int64 // successful session logins
}

// Token is the API token every new Server accepts (an account token made
// with `argocd account generate-token`).
const Token = "argocd-fake-api-token"

// Username and Password log in through POST /api/v1/session.
const (
	Username = "backstage"
	Password = "s3cret-password"
)

// NewServer starts a fake Argo CD without applications that stops when
// the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{apps: map[string]*Application{}, users: map[string]string{Username: Password},
		tokens: map[string]bool{Token: true}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/session", s.handleSession)
	mux.HandleFunc("GET /api/v1/applications", s.auth(s.handleList))
	mux.HandleFunc("GET /api/v1/applications/{name}", s.auth(s.handleGet))
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Add stores apps, replacing those with the same name.
func (s *Server) Add(apps ...Application) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range apps {
		a := apps[i]
		s.apps[a.Metadata.Name] = &a
	}
}

// FailWith makes every application request answer status (0 turns it off).
func (s *Server) FailWith(status int) { s.mu.Lock(); s.status = status; s.mu.Unlock() }

// RateLimit makes the next n application requests answer 429 with
// Retry-After.
func (s *Server) RateLimit(n int) { s.mu.Lock(); s.rateLimit = n; s.mu.Unlock() }

// Delay makes every application request wait d (or until the caller gives
// up).
func (s *Server) Delay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// EchoCredentials makes error answers repeat the caller's Authorization
// header and login password, as a careless upstream might.
func (s *Server) EchoCredentials(on bool) { s.mu.Lock(); s.echo = on; s.mu.Unlock() }

// ExpireSessions invalidates every token issued by session login, as a
// restart of Argo CD or an expired JWT does; Token stays valid.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.tokens {
		if tok != Token {
			delete(s.tokens, tok)
		}
	}
}

// HoldUntil makes every application request wait until n of them are
// in flight at once (or its caller gives up): a client that asks one at a
// time never gets an answer. 0 turns it off.
func (s *Server) HoldUntil(n int) { s.mu.Lock(); s.together = n; s.mu.Unlock() }

// hold waits for the HoldUntil crowd; false when the caller gave up.
// Requests gather behind a gate that opens when the crowd is complete.
func (s *Server) hold(r *http.Request) bool {
	s.mu.Lock()
	if s.together == 0 {
		s.mu.Unlock()
		return true
	}
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
	g := s.gate
	s.waiting++
	if s.waiting >= s.together {
		close(g)
		s.gate, s.waiting = nil, 0
	}
	s.mu.Unlock()
	select {
	case <-g:
		return true
	case <-r.Context().Done():
		s.mu.Lock()
		if s.gate == g {
			s.waiting--
		}
		s.mu.Unlock()
		return false
	}
}

// Requests is the number of application requests served, of any status.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Logins is the number of successful session logins.
func (s *Server) Logins() int64 { return s.logins.Load() }

// writeError writes Argo CD's error body (grpc-gateway's): code is the
// gRPC code (5 NotFound, 7 PermissionDenied, 16 Unauthenticated).
func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": msg, "code": code, "message": msg})
}

func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, 3, "invalid request body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pw, ok := s.users[req.Username]; !ok || pw != req.Password {
		msg := "Invalid username or password"
		if s.echo {
			msg += " (password " + req.Password + ")"
		}
		writeError(w, http.StatusUnauthorized, 16, msg)
		return
	}
	s.nextToken++
	tok := fmt.Sprintf("session-token-%d", s.nextToken)
	s.tokens[tok] = true
	s.logins.Add(1)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"token": tok})
}

// auth checks the bearer token and applies the failure knobs.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		delay, status, echo := s.delay, s.status, s.echo
		limited := s.rateLimit > 0
		if limited {
			s.rateLimit--
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if c, err := r.Cookie("argocd.token"); err == nil && tok == "" {
			tok = c.Value
		}
		valid := s.tokens[tok]
		s.mu.Unlock()
		if !s.hold(r) {
			return
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case !valid:
			writeError(w, http.StatusUnauthorized, 16, "invalid session: token is not valid")
		case limited:
			w.Header().Set("Retry-After", "7")
			writeError(w, http.StatusTooManyRequests, 8, "too many requests")
		case status != 0:
			msg := http.StatusText(status)
			if echo {
				msg += " while serving " + r.Header.Get("Authorization")
			}
			writeError(w, status, 13, msg)
		default:
			h(w, r)
		}
	}
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.mu.Lock()
	a, ok := s.apps[name]
	s.mu.Unlock()
	if !ok {
		// Argo CD answers 403 for apps the account may not see as for
		// missing ones; it says "not found" for missing apps to admins.
		writeError(w, http.StatusNotFound, 5, fmt.Sprintf("applications.argoproj.io %q not found", name))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(a)
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	sel, err := parseSelector(r.URL.Query().Get("selector"))
	if err != nil {
		writeError(w, http.StatusBadRequest, 3, err.Error())
		return
	}
	s.mu.Lock()
	items := []*Application{}
	for _, a := range s.apps {
		if sel.matches(a.Metadata.Labels) {
			items = append(items, a)
		}
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].Metadata.Name < items[j].Metadata.Name })
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"metadata": map[string]any{}, "items": items})
}

// selector is an equality-based label selector: "a=b,c!=d,e".
type selector []struct {
	key, value string
	op         string // "=", "!=", "exists"
}

func parseSelector(s string) (selector, error) {
	var sel selector
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var r struct{ key, value, op string }
		switch {
		case strings.Contains(part, "!="):
			k, v, _ := strings.Cut(part, "!=")
			r.key, r.value, r.op = k, v, "!="
		case strings.Contains(part, "="):
			k, v, _ := strings.Cut(part, "=")
			r.key, r.value, r.op = k, strings.TrimPrefix(v, "="), "="
		default:
			r.key, r.op = part, "exists"
		}
		r.key, r.value = strings.TrimSpace(r.key), strings.TrimSpace(r.value)
		if r.key == "" {
			return nil, fmt.Errorf("unable to parse requirement: %q", part)
		}
		sel = append(sel, struct{ key, value, op string }{r.key, r.value, r.op})
	}
	return sel, nil
}

func (sel selector) matches(labels map[string]string) bool {
	for _, r := range sel {
		v, ok := labels[r.key]
		switch r.op {
		case "=":
			if !ok || v != r.value {
				return false
			}
		case "!=":
			if ok && v == r.value {
				return false
			}
		default:
			if !ok {
				return false
			}
		}
	}
	return true
}
