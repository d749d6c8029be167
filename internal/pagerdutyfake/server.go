// Package pagerdutyfake is an in-process PagerDuty for tests: an httptest
// server speaking PagerDuty's documented REST API v2 JSON (services with
// their escalation policy, on-calls, incidents, change events; classic
// limit/offset/more paging; `Authorization: Token token=...`; 401 and 429
// error bodies) and the Events API v2 (POST /v2/enqueue). Tests fill in
// fixtures and turn knobs (a failing status, a delay); the plugin's client
// talks to it over real HTTP.
package pagerdutyfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Token is the REST API token every new Server accepts.
const Token = "u+fakepagerdutytoken"

// IntegrationKey is the Events API v2 routing key of service PSVC001.
const IntegrationKey = "0123456789abcdef0123456789abcdef"

// Reference is PagerDuty's reference object: a user, a policy, a service.
type Reference struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
	Self    string `json:"self,omitempty"`
	HTMLURL string `json:"html_url"`
}

// Service is a PagerDuty service; EscalationPolicy is its policy.
type Service struct {
	ID               string    `json:"id"`
	Type             string    `json:"type"`
	Name             string    `json:"name"`
	Summary          string    `json:"summary"`
	Status           string    `json:"status"`
	HTMLURL          string    `json:"html_url"`
	EscalationPolicy Reference `json:"escalation_policy"`
}

// OnCall is one entry of GET /oncalls.
type OnCall struct {
	EscalationPolicy Reference  `json:"escalation_policy"`
	EscalationLevel  int        `json:"escalation_level"`
	Schedule         *Reference `json:"schedule"`
	User             Reference  `json:"user"`
	Start            *time.Time `json:"start"`
	End              *time.Time `json:"end"`
}

// Assignment is an incident's assignee.
type Assignment struct {
	At       time.Time `json:"at"`
	Assignee Reference `json:"assignee"`
}

// Incident is one entry of GET /incidents.
type Incident struct {
	ID             string       `json:"id"`
	Type           string       `json:"type"`
	IncidentNumber int          `json:"incident_number"`
	Title          string       `json:"title"`
	Summary        string       `json:"summary"`
	Status         string       `json:"status"` // triggered, acknowledged, resolved
	Urgency        string       `json:"urgency"`
	CreatedAt      time.Time    `json:"created_at"`
	HTMLURL        string       `json:"html_url"`
	Service        Reference    `json:"service"`
	Assignments    []Assignment `json:"assignments"`
}

// ChangeEvent is one entry of GET /services/{id}/change_events.
type ChangeEvent struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Summary   string    `json:"summary"`
	Source    string    `json:"source"`
	Timestamp time.Time `json:"timestamp"`
	Links     []Link    `json:"links"`
}

// Link is a change event's link.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// Event is an Events API v2 event as the fake received it.
type Event struct {
	RoutingKey  string `json:"routing_key"`
	EventAction string `json:"event_action"`
	DedupKey    string `json:"dedup_key,omitempty"`
	Client      string `json:"client,omitempty"`
	ClientURL   string `json:"client_url,omitempty"`
	Payload     struct {
		Summary       string         `json:"summary"`
		Source        string         `json:"source"`
		Severity      string         `json:"severity"`
		Component     string         `json:"component,omitempty"`
		CustomDetails map[string]any `json:"custom_details,omitempty"`
	} `json:"payload"`
}

// Server is a fake PagerDuty: the REST API at URL, the Events API at
// URL+"/v2/enqueue".
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	services  map[string]Service
	oncalls   []OnCall
	incidents []Incident
	changes   map[string][]ChangeEvent
	keys      map[string]string // routing key -> service id
	events    []Event
	fail      int           // status every request gets, 0 for none
	delay     time.Duration // before every answer
	requests  atomic.Int64
	headers   []http.Header
}

// NewServer starts a fake PagerDuty, stopped when the test ends, with one
// service PSVC001 ("Payments API", policy PPOL001) and its fixtures: two
// on-call levels, two open incidents (and a resolved one), two change
// events, and IntegrationKey routed to it.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{services: map[string]Service{}, changes: map[string][]ChangeEvent{}, keys: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	s.seed()
	return s
}

func (s *Server) ref(typ, id, summary string) Reference {
	path := map[string]string{"user_reference": "users", "escalation_policy_reference": "escalation_policies",
		"service_reference": "services", "schedule_reference": "schedules"}[typ]
	return Reference{ID: id, Type: typ, Summary: summary, Self: s.URL + "/" + path + "/" + id,
		HTMLURL: "https://acme.pagerduty.com/" + path + "/" + id}
}

func (s *Server) seed() {
	now := time.Now().UTC().Truncate(time.Second)
	pol := s.ref("escalation_policy_reference", "PPOL001", "Payments escalation")
	s.services["PSVC001"] = Service{ID: "PSVC001", Type: "service", Name: "Payments API", Summary: "Payments API",
		Status: "critical", HTMLURL: "https://acme.pagerduty.com/service-directory/PSVC001", EscalationPolicy: pol}
	sched := s.ref("schedule_reference", "PSCH001", "Payments primary")
	s.oncalls = []OnCall{
		{EscalationPolicy: pol, EscalationLevel: 1, Schedule: &sched, User: s.ref("user_reference", "PUSR001", "Jane Doe")},
		{EscalationPolicy: pol, EscalationLevel: 2, User: s.ref("user_reference", "PUSR002", "Sam Lee")},
		{EscalationPolicy: s.ref("escalation_policy_reference", "POTHER1", "Other team"), EscalationLevel: 1,
			User: s.ref("user_reference", "PUSR009", "Not Ours")},
	}
	svc := s.ref("service_reference", "PSVC001", "Payments API")
	s.incidents = []Incident{
		{ID: "PINC001", Type: "incident", IncidentNumber: 101, Title: "Checkout latency above 2s", Status: "triggered",
			Urgency: "high", CreatedAt: now.Add(-25 * time.Minute), HTMLURL: "https://acme.pagerduty.com/incidents/PINC001",
			Service: svc, Assignments: []Assignment{{At: now, Assignee: s.ref("user_reference", "PUSR001", "Jane Doe")}}},
		{ID: "PINC002", Type: "incident", IncidentNumber: 102, Title: "Refund queue backlog", Status: "acknowledged",
			Urgency: "low", CreatedAt: now.Add(-3 * time.Hour), HTMLURL: "https://acme.pagerduty.com/incidents/PINC002",
			Service: svc, Assignments: []Assignment{{At: now, Assignee: s.ref("user_reference", "PUSR002", "Sam Lee")}}},
		{ID: "PINC000", Type: "incident", IncidentNumber: 100, Title: "Old and resolved", Status: "resolved",
			Urgency: "high", CreatedAt: now.Add(-48 * time.Hour), HTMLURL: "https://acme.pagerduty.com/incidents/PINC000", Service: svc},
	}
	s.changes["PSVC001"] = []ChangeEvent{
		{ID: "PCHG001", Type: "change_event", Summary: "Deploy payments v2.4.1", Source: "argocd",
			Timestamp: now.Add(-40 * time.Minute), Links: []Link{{Href: "https://ci.example.com/runs/1", Text: "Run 1"}}},
		{ID: "PCHG002", Type: "change_event", Summary: "Feature flag fast-refunds on", Source: "flags",
			Timestamp: now.Add(-2 * time.Hour)},
	}
	s.keys[IntegrationKey] = "PSVC001"
}

// AddIncidents adds open incidents of service id until it has n, for
// paging tests.
func (s *Server) AddIncidents(id string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.incidents = append(s.incidents, Incident{ID: "PGEN" + strconv.Itoa(i), Type: "incident", IncidentNumber: 1000 + i,
			Title: "Generated incident " + strconv.Itoa(i), Status: "triggered", Urgency: "low",
			CreatedAt: time.Now().Add(-time.Duration(i) * time.Minute), Service: s.ref("service_reference", id, id)})
	}
}

// CopyService makes service to a copy of service from, with its open and
// resolved incidents, its change events and its escalation policy (so the
// same people are on call), for a catalog whose service ID is not PSVC001.
func (s *Server) CopyService(from, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc := s.services[from]
	svc.ID, svc.HTMLURL = to, "https://acme.pagerduty.com/service-directory/"+to
	s.services[to] = svc
	ref := s.ref("service_reference", to, svc.Name)
	for _, in := range slices.Clone(s.incidents) {
		if in.Service.ID == from {
			in.ID, in.Service = in.ID+"-"+to, ref
			s.incidents = append(s.incidents, in)
		}
	}
	s.changes[to] = slices.Clone(s.changes[from])
}

// Fail makes every request answer status (401, 429, 500...) with
// PagerDuty's error body; 0 answers normally again.
func (s *Server) Fail(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = status
}

// Delay makes every answer wait d first.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Requests is how many requests the fake has received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Headers returns the headers of every request received so far.
func (s *Server) Headers() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.headers)
}

// Events returns the Events API v2 events accepted so far.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// apiError writes PagerDuty's REST error body.
func apiError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "errors": []string{}}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	s.headers = append(s.headers, r.Header.Clone())
	fail, delay := s.fail, s.delay
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if r.URL.Path == "/v2/enqueue" {
		s.enqueue(w, r, fail)
		return
	}
	switch {
	case fail == http.StatusTooManyRequests:
		w.Header().Set("ratelimit-limit", "960")
		w.Header().Set("ratelimit-remaining", "0")
		w.Header().Set("ratelimit-reset", "42")
		apiError(w, fail, 2020, "Rate Limit Exceeded")
		return
	case fail != 0:
		apiError(w, fail, 2001, http.StatusText(fail))
		return
	case r.Header.Get("Authorization") != "Token token="+Token:
		apiError(w, http.StatusUnauthorized, 2006, "Authentication failed")
		return
	case r.Method != http.MethodGet:
		apiError(w, http.StatusMethodNotAllowed, 2000, "Method not allowed")
		return
	}
	q := r.URL.Query()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "services":
		s.service(w, parts[1], q["include[]"])
	case len(parts) == 3 && parts[0] == "services" && parts[2] == "change_events":
		s.mu.Lock()
		list := slices.Clone(s.changes[parts[1]])
		s.mu.Unlock()
		page(w, r, "change_events", list)
	case len(parts) == 1 && parts[0] == "oncalls":
		s.mu.Lock()
		var list []OnCall
		for _, o := range s.oncalls {
			if slices.Contains(q["escalation_policy_ids[]"], o.EscalationPolicy.ID) {
				list = append(list, o)
			}
		}
		s.mu.Unlock()
		page(w, r, "oncalls", list)
	case len(parts) == 1 && parts[0] == "incidents":
		statuses := q["statuses[]"]
		s.mu.Lock()
		var list []Incident
		for _, in := range s.incidents {
			if slices.Contains(q["service_ids[]"], in.Service.ID) && (len(statuses) == 0 || slices.Contains(statuses, in.Status)) {
				list = append(list, in)
			}
		}
		s.mu.Unlock()
		page(w, r, "incidents", list)
	default:
		apiError(w, http.StatusNotFound, 2100, "Not Found")
	}
}

func (s *Server) service(w http.ResponseWriter, id string, include []string) {
	s.mu.Lock()
	svc, ok := s.services[id]
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, 2100, "Not Found")
		return
	}
	body := map[string]any{"id": svc.ID, "type": svc.Type, "name": svc.Name, "summary": svc.Summary,
		"status": svc.Status, "html_url": svc.HTMLURL, "escalation_policy": svc.EscalationPolicy}
	if slices.Contains(include, "escalation_policies") {
		// Included, the reference becomes the full object.
		p := svc.EscalationPolicy
		body["escalation_policy"] = map[string]any{"id": p.ID, "type": "escalation_policy", "name": p.Summary,
			"summary": p.Summary, "html_url": p.HTMLURL, "self": p.Self}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"service": body})
}

// page writes list's limit/offset page as PagerDuty's classic
// pagination: {<key>: [...], limit, offset, more, total}. limit defaults
// to 25 and is at most 100, as documented.
func page[T any](w http.ResponseWriter, r *http.Request, key string, list []T) {
	limit, offset := 25, 0
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v > 0 {
		limit = min(v, 100)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	end := min(offset+limit, len(list))
	items := []T{}
	if offset < len(list) {
		items = list[offset:end]
	}
	body := map[string]any{key: items, "limit": limit, "offset": offset, "more": end < len(list), "total": nil}
	if r.URL.Query().Get("total") == "true" {
		body["total"] = len(list)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

// enqueue is the Events API v2: 202 with a dedup key for a valid trigger,
// 400 "invalid event" with its errors otherwise, 429 when throttled.
func (s *Server) enqueue(w http.ResponseWriter, r *http.Request, fail int) {
	w.Header().Set("Content-Type", "application/json")
	if fail != 0 {
		w.WriteHeader(fail)
		msg := http.StatusText(fail)
		if fail == http.StatusTooManyRequests {
			msg = "Requests for this service are arriving too quickly. Please retry later."
		}
		json.NewEncoder(w).Encode(map[string]any{"status": "throttle event", "message": msg})
		return
	}
	var ev Event
	var errs []string
	if r.Method != http.MethodPost {
		errs = append(errs, "method must be POST")
	} else if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		errs = append(errs, "malformed JSON: "+err.Error())
	}
	s.mu.Lock()
	_, known := s.keys[ev.RoutingKey]
	s.mu.Unlock()
	if len(errs) == 0 {
		if !known {
			errs = append(errs, "'routing_key' is invalid")
		}
		if !slices.Contains([]string{"trigger", "acknowledge", "resolve"}, ev.EventAction) {
			errs = append(errs, "'event_action' is invalid")
		}
		if ev.EventAction == "trigger" {
			if ev.Payload.Summary == "" || len(ev.Payload.Summary) > 1024 {
				errs = append(errs, "'payload.summary' is missing or too long")
			}
			if ev.Payload.Source == "" {
				errs = append(errs, "'payload.source' is missing")
			}
			if !slices.Contains([]string{"critical", "error", "warning", "info"}, ev.Payload.Severity) {
				errs = append(errs, "'payload.severity' is invalid")
			}
		}
	}
	if len(errs) > 0 {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": errs})
		return
	}
	if ev.DedupKey == "" {
		ev.DedupKey = "dedup-" + strconv.Itoa(int(s.requests.Load()))
	}
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]any{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
}
