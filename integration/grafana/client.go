package grafana

import (
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
	"callboard/plugin"
)

// Dashboard is a dashboard as the plugin shows it, with absolute links to
// Grafana's UI.
type Dashboard struct {
	UID         string   `json:"uid"`
	Title       string   `json:"title"`
	Tags        []string `json:"tags"`
	URL         string   `json:"url"`
	FolderTitle string   `json:"folderTitle"`
	FolderURL   string   `json:"folderUrl"`
}

// Alert is an alert rule (unified alerting) or a panel's alert (legacy)
// with its state.
type Alert struct {
	Name  string `json:"name"`
	State string `json:"state"`
	URL   string `json:"url"`
}

// pageSize is how many dashboards a search asks for at a time; maxPages
// bounds a search, so a huge Grafana cannot hold a card forever.
const (
	pageSize = 1000
	maxPages = 20
)

type client struct {
	api, domain string            // API base and UI base, no trailing slash
	headers     map[string]string // sent on every call: the credentials
	unified     bool
	timeout     time.Duration
	ttl         time.Duration
	http        *http.Client

	mu    sync.Mutex
	cache map[string]cached // request URI -> answer
}

type cached struct {
	body []byte
	at   time.Time
}

func newClient(cfg Config, proxy proxyEntry, env plugin.Env) (*client, error) {
	c := &client{unified: cfg.UnifiedAlerting, http: env.HTTPClient, cache: map[string]cached{}, headers: map[string]string{}}
	var err error
	if c.timeout, err = plugin.Duration("grafana.timeout", cfg.Timeout, 10*time.Second); err != nil {
		return nil, err
	}
	if c.ttl, err = plugin.Duration("grafana.cacheTtl", cfg.CacheTTL, 30*time.Second); err != nil {
		return nil, err
	}
	if cfg.Domain != "" {
		if c.domain, err = httpURL("grafana.domain", cfg.Domain); err != nil {
			return nil, err
		}
	}
	c.api = c.domain
	if proxy.Target != "" {
		if c.api, err = httpURL("proxy "+cfg.ProxyPath+" target", proxy.Target); err != nil {
			return nil, err
		}
	}
	if c.api == "" {
		return nil, callboard.Errorf(callboard.Invalid,
			"grafana needs Grafana's address: set grafana.domain, or a proxy entry %q with a target", cfg.ProxyPath)
	}
	if c.domain == "" {
		c.domain = c.api
	}
	for k, v := range proxy.Headers {
		c.headers[k] = v
	}
	if cfg.Token != "" {
		for k := range c.headers {
			if strings.EqualFold(k, "Authorization") {
				delete(c.headers, k)
			}
		}
		c.headers["Authorization"] = "Bearer " + cfg.Token
	}
	return c, nil
}

// get fetches path (with its query) from Grafana's API into out, through
// the cache. Errors are Upstream with a message a user can act on; they
// never hold the credentials.
func (c *client) get(ctx context.Context, path string, out any) error {
	body, err := c.fetch(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "Grafana sent a malformed answer to %s", pathOnly(path))
	}
	return nil
}

func (c *client) fetch(ctx context.Context, path string) ([]byte, error) {
	now := time.Now()
	c.mu.Lock()
	hit, ok := c.cache[path]
	c.mu.Unlock()
	if ok && now.Sub(hit.at) < c.ttl {
		return hit.body, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.api+path, nil)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "bad Grafana request %s", pathOnly(path))
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, callboard.Errorf(callboard.Upstream, "Grafana did not answer within %s", c.timeout)
		}
		// The cause without its URL: the panel names Grafana already.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, callboard.Wrap(callboard.Upstream, err, "Grafana did not answer")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "Grafana's answer was cut off")
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, callboard.Errorf(callboard.Upstream,
			"Grafana refused callboard's credentials (%s): check the proxy entry's Authorization header or grafana.token", resp.Status)
	case resp.StatusCode == http.StatusTooManyRequests:
		msg := "Grafana is rate-limiting callboard (429 Too Many Requests)"
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			msg += "; retry after " + ra + "s"
		}
		return nil, callboard.Errorf(callboard.Upstream, "%s", msg)
	case resp.StatusCode == http.StatusNotFound && strings.HasPrefix(path, "/api/prometheus/"):
		return nil, callboard.Errorf(callboard.Upstream, "Grafana has no unified alerting rules API (404): set grafana.unifiedAlerting: false for legacy alerts")
	case resp.StatusCode == http.StatusNotFound && strings.HasPrefix(path, "/api/alerts"):
		return nil, callboard.Errorf(callboard.Upstream, "Grafana has no legacy alerts API (404; Grafana 11 removed it): set grafana.unifiedAlerting: true")
	case resp.StatusCode != http.StatusOK:
		return nil, callboard.Errorf(callboard.Upstream, "Grafana answered %s to %s%s", resp.Status, pathOnly(path), grafanaMessage(body))
	}
	c.mu.Lock()
	for k, v := range c.cache { // drop what has expired, so the cache stays small
		if now.Sub(v.at) >= c.ttl {
			delete(c.cache, k)
		}
	}
	if c.ttl > 0 {
		c.cache[path] = cached{body: body, at: now}
	}
	c.mu.Unlock()
	return body, nil
}

// pathOnly is path without its query, for messages.
func pathOnly(path string) string {
	p, _, _ := strings.Cut(path, "?")
	return p
}

// grafanaMessage is Grafana's own error message ({"message": ...} or the
// rules API's {"error": ...}), short, for the panel.
func grafanaMessage(body []byte) string {
	var m struct{ Message, Error string }
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	s := m.Message
	if s == "" {
		s = m.Error
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return ""
	}
	return ": " + s
}

// searchHit is the part of GET /api/search's rows the plugin reads.
type searchHit struct {
	UID         string   `json:"uid"`
	Title       string   `json:"title"`
	URL         string   `json:"url"`
	Type        string   `json:"type"`
	Tags        []string `json:"tags"`
	FolderTitle string   `json:"folderTitle"`
	FolderURL   string   `json:"folderUrl"`
}

// search lists dashboards with every tag in tags (none: all of them),
// page by page.
func (c *client) search(ctx context.Context, tags ...string) ([]Dashboard, error) {
	var out []Dashboard
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"type": {"dash-db"}, "limit": {fmt.Sprint(pageSize)}, "page": {fmt.Sprint(page)}}
		for _, t := range tags {
			q.Add("tag", t)
		}
		var hits []searchHit
		if err := c.get(ctx, "/api/search?"+q.Encode(), &hits); err != nil {
			return nil, err
		}
		for _, h := range hits {
			if h.Type != "" && h.Type != "dash-db" {
				continue
			}
			d := Dashboard{UID: h.UID, Title: h.Title, Tags: h.Tags, URL: c.link(h.URL), FolderTitle: h.FolderTitle}
			if h.FolderURL != "" {
				d.FolderURL = c.link(h.FolderURL)
			}
			out = append(out, d)
		}
		if len(hits) < pageSize {
			break
		}
	}
	return out, nil
}

// link makes a path of Grafana's UI absolute.
func (c *client) link(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.domain + "/" + strings.TrimPrefix(path, "/")
}

// dashboards returns the dashboards sel selects: for bare tags one search
// per tag (concurrently) merged, for an expression every dashboard
// filtered.
func (c *client) dashboards(ctx context.Context, sel *selector) ([]Dashboard, error) {
	if sel.expr != nil {
		all, err := c.search(ctx)
		if err != nil {
			return nil, err
		}
		var out []Dashboard
		for _, d := range all {
			if sel.matches(d) {
				out = append(out, d)
			}
		}
		return out, nil
	}
	results := make([][]Dashboard, len(sel.tags))
	errs := make([]error, len(sel.tags))
	var wg sync.WaitGroup
	for i, t := range sel.tags {
		wg.Go(func() { results[i], errs[i] = c.search(ctx, t) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	var out []Dashboard
	for _, ds := range results {
		for _, d := range ds {
			if !seen[d.UID+"\x00"+d.URL] {
				seen[d.UID+"\x00"+d.URL] = true
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// labelSelector is grafana/alert-label-selector: key=value pairs, any of
// which selects a rule.
type labelSelector [][2]string

func parseLabelSelector(s string) (labelSelector, error) {
	var out labelSelector
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not a label=value pair (write service=payment-service, several separated by commas)", item)
		}
		out = append(out, [2]string{k, v})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the selector is empty")
	}
	return out, nil
}

func (ls labelSelector) matches(labels map[string]string) bool {
	for _, kv := range ls {
		if v, ok := labels[kv[0]]; ok && v == kv[1] {
			return true
		}
	}
	return false
}

// rules lists the unified alerting rules whose labels sel selects, with
// the rule's state (firing, pending, inactive; or its health when that is
// error or nodata).
func (c *client) rules(ctx context.Context, sel labelSelector) ([]Alert, error) {
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Groups []struct {
				Name  string `json:"name"`
				File  string `json:"file"`
				Rules []struct {
					UID         string            `json:"uid"`
					Name        string            `json:"name"`
					State       string            `json:"state"`
					Health      string            `json:"health"`
					Labels      map[string]string `json:"labels"`
					Annotations map[string]string `json:"annotations"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := c.get(ctx, "/api/prometheus/grafana/api/v1/rules", &resp); err != nil {
		return nil, err
	}
	if resp.Status != "" && resp.Status != "success" {
		return nil, callboard.Errorf(callboard.Upstream, "Grafana's rules API answered status %q", resp.Status)
	}
	var out []Alert
	for _, g := range resp.Data.Groups {
		for _, r := range g.Rules {
			if !sel.matches(r.Labels) {
				continue
			}
			uid := r.UID
			if uid == "" {
				uid = r.Labels["__alert_rule_uid__"]
			}
			a := Alert{Name: r.Name, State: r.State}
			if h := r.Health; h == "error" || h == "nodata" {
				a.State = h
			}
			if uid != "" {
				a.URL = c.link("/alerting/grafana/" + url.PathEscape(uid) + "/view")
			} else {
				a.URL = c.link("/alerting/list?search=" + url.QueryEscape(r.Name))
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// legacyAlerts lists the legacy alerts of dashboards with any of tags.
func (c *client) legacyAlerts(ctx context.Context, tags []string) ([]Alert, error) {
	var out []Alert
	seen := map[int]bool{}
	for _, t := range tags {
		var resp []struct {
			ID      int    `json:"id"`
			PanelID int    `json:"panelId"`
			Name    string `json:"name"`
			State   string `json:"state"`
			URL     string `json:"url"`
		}
		if err := c.get(ctx, "/api/alerts?"+url.Values{"dashboardTag": {t}}.Encode(), &resp); err != nil {
			return nil, err
		}
		for _, a := range resp {
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			out = append(out, Alert{Name: a.Name, State: a.State,
				URL: c.link(a.URL) + "?" + url.Values{"viewPanel": {fmt.Sprint(a.PanelID)}}.Encode()})
		}
	}
	return out, nil
}
