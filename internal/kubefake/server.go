// Package kubefake is an in-process Kubernetes API server for tests: an
// httptest server speaking the API's JSON (lists with label and field
// selectors, limit and continue paging, gets, pod logs, metrics.k8s.io,
// Status errors for 401, 403 and 404) over fixture objects, plain HTTP
// (as `kubectl proxy`) or TLS with its own CA. It refuses every write and
// counts them, so a test can show a client never writes.
package kubefake

import (
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// Token is the service account token servers accept by default.
const Token = "kubefake-sa-token"

// PaymentService holds fixture objects written from a real cluster's
// answers (managedFields included): the payment-service Deployment,
// ReplicaSet and three pods, one crash looping; a pod of another app; a
// Service, a ConfigMap with values, a Secret, an HPA at its max, an Argo
// Rollout paused at step 1 of 4, Warning and Normal events and pod
// metrics.
//
//go:embed testdata/payment-service.json
var PaymentService []byte

// Options shape a server.
type Options struct {
	// TLS serves https with the server's own CA (CAData).
	TLS bool
	// Token is the bearer token required; "" means Token, "-" none (a
	// kubectl proxy).
	Token string
}

// Server is a fake API server.
type Server struct {
	*httptest.Server
	token string

	mu      sync.Mutex
	objects []map[string]any
	logs    map[string]string // ns/pod/container -> log text
	status  int               // answer every request with this status (0: none)
	hang    chan struct{}     // when set, requests wait for it or their end

	requests atomic.Int64
	writes   atomic.Int64
}

// NewServer starts a server that stops when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{token: opts.Token, logs: map[string]string{}}
	if s.token == "" {
		s.token = Token
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Clients that refuse the CA (as tests want) are not news.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(func() {
		s.Unhang()
		s.Close()
	})
	return s
}

// CAData is the server's CA as Backstage's caData: base64 of the PEM.
func (s *Server) CAData() string {
	if s.Certificate() == nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}))
}

// Add adds objects: one object, or a JSON array of them.
func (s *Server) Add(t testing.TB, jsonText []byte) {
	t.Helper()
	var objs []map[string]any
	if err := json.Unmarshal(jsonText, &objs); err != nil {
		var one map[string]any
		if err2 := json.Unmarshal(jsonText, &one); err2 != nil {
			t.Fatalf("kubefake: %v", err)
		}
		objs = []map[string]any{one}
	}
	s.AddObjects(objs...)
}

// AddObjects adds decoded objects.
func (s *Server) AddObjects(objs ...map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects = append(s.objects, objs...)
}

// SetLog sets a container's log.
func (s *Server) SetLog(ns, pod, container, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs[ns+"/"+pod+"/"+container] = text
}

// SetStatus makes every request fail with code (401, 403, 500), or
// answer normally again with 0.
func (s *Server) SetStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

// Hang makes requests wait until Unhang or until the client gives up.
func (s *Server) Hang() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hang == nil {
		s.hang = make(chan struct{})
	}
}

// Unhang lets waiting requests go on.
func (s *Server) Unhang() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hang != nil {
		close(s.hang)
		s.hang = nil
	}
}

// Requests is the number of requests served.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Writes is the number of requests with a method other than GET.
func (s *Server) Writes() int64 { return s.writes.Load() }

// resourceOf is the plural of a kind, as the API names it.
func resourceOf(kind string) string {
	switch kind {
	case "PodMetrics":
		return "pods"
	case "Ingress":
		return "ingresses"
	}
	return strings.ToLower(kind) + "s"
}

func status(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	code, hang := s.status, s.hang
	s.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case r.Method != http.MethodGet:
		s.writes.Add(1)
		status(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "kubefake is read-only")
		return
	case s.token != "-" && r.Header.Get("Authorization") != "Bearer "+s.token:
		status(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		return
	case code == http.StatusForbidden:
		status(w, code, "Forbidden", `pods is forbidden: User "system:serviceaccount:backstage:backstage" cannot list resource "pods"`)
		return
	case code != 0:
		status(w, code, http.StatusText(code), http.StatusText(code))
		return
	}
	// /api/v1/... or /apis/{group}/{version}/...
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var apiVersion string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		apiVersion, parts = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		apiVersion, parts = parts[1]+"/"+parts[2], parts[3:]
	default:
		status(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
		return
	}
	ns := ""
	if len(parts) >= 3 && parts[0] == "namespaces" {
		ns, parts = parts[1], parts[2:]
	}
	switch len(parts) {
	case 1:
		s.list(w, r, apiVersion, ns, parts[0])
	case 2:
		s.get(w, apiVersion, ns, parts[0], parts[1])
	case 3:
		if parts[0] == "pods" && parts[2] == "log" && apiVersion == "v1" {
			s.log(w, r, ns, parts[1])
			return
		}
		fallthrough
	default:
		status(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
}

func (s *Server) matching(apiVersion, ns, resource string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, o := range s.objects {
		md, _ := o["metadata"].(map[string]any)
		if o["apiVersion"] != apiVersion || resourceOf(fmt.Sprint(o["kind"])) != resource || (ns != "" && md["namespace"] != ns) {
			continue
		}
		out = append(out, o)
	}
	return out
}

func labelsOf(o map[string]any) labels.Set {
	md, _ := o["metadata"].(map[string]any)
	ls, _ := md["labels"].(map[string]any)
	set := labels.Set{}
	for k, v := range ls {
		set[k] = fmt.Sprint(v)
	}
	return set
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, apiVersion, ns, resource string) {
	q := r.URL.Query()
	sel, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		status(w, http.StatusBadRequest, "BadRequest", "unable to parse requirement: "+err.Error())
		return
	}
	fsel, err := fields.ParseSelector(q.Get("fieldSelector"))
	if err != nil {
		status(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	var items []map[string]any
	for _, o := range s.matching(apiVersion, ns, resource) {
		md, _ := o["metadata"].(map[string]any)
		f := fields.Set{"type": fmt.Sprint(o["type"]), "metadata.name": fmt.Sprint(md["name"]), "metadata.namespace": fmt.Sprint(md["namespace"])}
		if sel.Matches(labelsOf(o)) && fsel.Matches(f) {
			items = append(items, o)
		}
	}
	// continue is the offset of the next page.
	start, _ := strconv.Atoi(q.Get("continue"))
	start = min(max(start, 0), len(items))
	end := len(items)
	if limit, _ := strconv.Atoi(q.Get("limit")); limit > 0 && start+limit < end {
		end = start + limit
	}
	meta := map[string]any{"resourceVersion": "48213"}
	if end < len(items) {
		meta["continue"] = strconv.Itoa(end)
	}
	kind := "List"
	if len(items) > 0 {
		kind = fmt.Sprint(items[0]["kind"]) + "List"
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"kind": kind, "apiVersion": apiVersion, "metadata": meta, "items": nonNil(items[start:end])})
}

func nonNil(items []map[string]any) []map[string]any {
	if items == nil {
		return []map[string]any{}
	}
	return items
}

func (s *Server) get(w http.ResponseWriter, apiVersion, ns, resource, name string) {
	objs := s.matching(apiVersion, ns, resource)
	i := slices.IndexFunc(objs, func(o map[string]any) bool {
		md, _ := o["metadata"].(map[string]any)
		return md["name"] == name
	})
	if i < 0 {
		status(w, http.StatusNotFound, "NotFound", fmt.Sprintf("%s %q not found", resource, name))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(objs[i])
}

// log serves a container's log: tailLines, and follow (the log, then the
// stream stays open until the client leaves).
func (s *Server) log(w http.ResponseWriter, r *http.Request, ns, pod string) {
	q := r.URL.Query()
	s.mu.Lock()
	text, ok := s.logs[ns+"/"+pod+"/"+q.Get("container")]
	s.mu.Unlock()
	if !ok {
		status(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("container %q in pod %q is not valid", q.Get("container"), pod))
		return
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n >= 0 && n < len(lines) {
		lines = lines[len(lines)-n:]
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte(strings.Join(lines, "")))
	if q.Get("follow") == "true" {
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}
