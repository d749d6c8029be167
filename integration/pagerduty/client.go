package pagerduty

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"callboard"
)

// client calls PagerDuty's REST API v2 and Events API v2. Reads are kept
// for cacheTTL, so a busy page does not spend the account's rate limit.
type client struct {
	api, events string // base URLs, without a trailing slash
	token       string
	http        *http.Client
	timeout     time.Duration
	cacheTTL    time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	body []byte
	at   time.Time
}

// Reference is PagerDuty's reference to a user, a policy or a service.
type Reference struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

// Service is GET /services/{id}'s service.
type Service struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	HTMLURL          string    `json:"html_url"`
	EscalationPolicy Reference `json:"escalation_policy"`
}

// OnCall is an entry of GET /oncalls.
type OnCall struct {
	EscalationLevel int       `json:"escalation_level"`
	User            Reference `json:"user"`
}

// Incident is an entry of GET /incidents.
type Incident struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Status      string    `json:"status"`
	Urgency     string    `json:"urgency"`
	CreatedAt   time.Time `json:"created_at"`
	HTMLURL     string    `json:"html_url"`
	Assignments []struct {
		Assignee Reference `json:"assignee"`
	} `json:"assignments"`
}

// ChangeEvent is an entry of GET /services/{id}/change_events.
type ChangeEvent struct {
	ID        string    `json:"id"`
	Summary   string    `json:"summary"`
	Source    string    `json:"source"`
	Timestamp time.Time `json:"timestamp"`
	Links     []struct {
		Href string `json:"href"`
		Text string `json:"text"`
	} `json:"links"`
}

// maxPages bounds the pages read for one list (100 entries each).
const maxPages = 5

// get reads path (with its query) from the REST API into out, from the
// cache when it is fresh. Errors are Upstream (NotFound for a 404) with a
// message that names what to fix and never the token.
func (c *client) get(ctx context.Context, path string, out any) error {
	c.mu.Lock()
	hit, ok := c.cache[path]
	c.mu.Unlock()
	if ok && time.Since(hit.at) < c.cacheTTL {
		return json.Unmarshal(hit.body, out)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.api+path, nil)
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "pagerduty request")
	}
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	req.Header.Set("Authorization", "Token token="+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return callboard.Errorf(callboard.Upstream, "PagerDuty did not answer: %s", reason(ctx, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return callboard.Errorf(callboard.Upstream, "PagerDuty's answer broke off: %s", reason(ctx, err))
	}
	if err := statusError(resp, body); err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "PagerDuty sent a malformed answer")
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[string]cached{}
	}
	for k, v := range c.cache { // drop stale entries so the map stays small
		if time.Since(v.at) >= c.cacheTTL {
			delete(c.cache, k)
		}
	}
	c.cache[path] = cached{body: body, at: time.Now()}
	c.mu.Unlock()
	return nil
}

// reason is why a call failed, without its URL (which is the config's,
// and a proxy may have put credentials in it).
func reason(ctx context.Context, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// statusError turns a REST status other than 200 into an error a user can
// act on, with PagerDuty's own message ({"error": {"message": ...}}).
func statusError(resp *http.Response, body []byte) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(body, &e)
	msg := e.Error.Message
	if msg == "" {
		msg = resp.Status
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return callboard.Errorf(callboard.Upstream, "PagerDuty refused the API token (%s): check pagerDuty.apiToken", msg)
	case http.StatusForbidden:
		return callboard.Errorf(callboard.Upstream, "PagerDuty's API token may not read this (%s)", msg)
	case http.StatusNotFound:
		return callboard.Errorf(callboard.NotFound, "PagerDuty has no such object (%s): check the %s annotation", msg, AnnotationServiceID)
	case http.StatusTooManyRequests:
		if s := resp.Header.Get("ratelimit-reset"); s != "" {
			return callboard.Errorf(callboard.Upstream, "PagerDuty's rate limit is used up (%s); it resets in %s s", msg, s)
		}
		return callboard.Errorf(callboard.Upstream, "PagerDuty's rate limit is used up (%s)", msg)
	default:
		return callboard.Errorf(callboard.Upstream, "PagerDuty answered %s: %s", resp.Status, msg)
	}
}

// list reads every page of a classic-paginated list (limit, offset,
// more) under key, up to maxPages.
func list[T any](ctx context.Context, c *client, path string, q url.Values, key string) ([]T, error) {
	var all []T
	for offset, n := 0, 0; n < maxPages; n++ {
		q.Set("limit", "100")
		q.Set("offset", fmt.Sprint(offset))
		var page map[string]json.RawMessage
		if err := c.get(ctx, path+"?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		var items []T
		var more bool
		if err := json.Unmarshal(page[key], &items); err != nil {
			return nil, callboard.Wrap(callboard.Upstream, err, "PagerDuty sent a malformed %s list", key)
		}
		json.Unmarshal(page["more"], &more)
		all = append(all, items...)
		if !more || len(items) == 0 {
			break
		}
		offset += len(items)
	}
	return all, nil
}

// service returns the service with its escalation policy.
func (c *client) service(ctx context.Context, id string) (*Service, error) {
	var out struct {
		Service Service `json:"service"`
	}
	if err := c.get(ctx, "/services/"+url.PathEscape(id)+"?include[]=escalation_policies", &out); err != nil {
		return nil, err
	}
	return &out.Service, nil
}

func (c *client) oncalls(ctx context.Context, policyID string) ([]OnCall, error) {
	return list[OnCall](ctx, c, "/oncalls", url.Values{"escalation_policy_ids[]": {policyID}}, "oncalls")
}

func (c *client) incidents(ctx context.Context, serviceID string) ([]Incident, error) {
	q := url.Values{"service_ids[]": {serviceID}, "statuses[]": {"triggered", "acknowledged"}}
	return list[Incident](ctx, c, "/incidents", q, "incidents")
}

func (c *client) changeEvents(ctx context.Context, serviceID string) ([]ChangeEvent, error) {
	return list[ChangeEvent](ctx, c, "/services/"+url.PathEscape(serviceID)+"/change_events", url.Values{}, "change_events")
}

// Trigger is an incident a user triggers from the portal.
type Trigger struct {
	Title, Description string
	By                 string // the caller's entity ref
	Entity             string // the entity's ref
	EntityURL          string // the entity's page on the portal
}

// triggerTimeout is the least time a trigger may take: someone is
// waiting to page a responder, not rendering a page.
const triggerTimeout = 10 * time.Second

// trigger sends a trigger event to the Events API v2 with the
// integration key as routing key, and returns its dedup key.
func (c *client) trigger(ctx context.Context, key string, t Trigger) (string, error) {
	ev := map[string]any{
		"routing_key":  key,
		"event_action": "trigger",
		"client":       "callboard",
		"payload": map[string]any{
			"summary":   t.Title,
			"source":    t.Entity,
			"severity":  "error",
			"component": t.Entity,
			"custom_details": map[string]any{
				"description":  t.Description,
				"triggered_by": t.By,
			},
		},
	}
	if t.EntityURL != "" {
		ev["client_url"] = t.EntityURL
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "pagerduty event")
	}
	ctx, cancel := context.WithTimeout(ctx, max(c.timeout, triggerTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.events+"/enqueue", bytes.NewReader(b))
	if err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "pagerduty request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", callboard.Errorf(callboard.Upstream, "PagerDuty's Events API did not answer: %s", reason(ctx, err))
	}
	defer resp.Body.Close()
	var out struct {
		Status   string   `json:"status"`
		Message  string   `json:"message"`
		DedupKey string   `json:"dedup_key"`
		Errors   []string `json:"errors"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
	switch {
	case resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK:
		return out.DedupKey, nil
	case resp.StatusCode == http.StatusBadRequest:
		return "", callboard.Errorf(callboard.Upstream, "PagerDuty refused the event: %s %s (check the %s annotation)",
			out.Message, strings.Join(out.Errors, "; "), AnnotationIntegrationKey)
	case resp.StatusCode == http.StatusTooManyRequests:
		return "", callboard.Errorf(callboard.Upstream, "PagerDuty is throttling events for this service; try again in a minute")
	default:
		return "", callboard.Errorf(callboard.Upstream, "PagerDuty's Events API answered %s %s", resp.Status, out.Message)
	}
}
