package prometheus

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"callboard"
)

// client speaks Prometheus's HTTP API (/api/v1/query and
// /api/v1/query_range) to one instance, with a timeout per call and a
// short cache of answers.
type client struct {
	name    string
	base    string
	headers map[string]string
	http    *http.Client
	timeout time.Duration
	ttl     time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	at     time.Time
	points []point
}

// point is a sample: a time and a value.
type point struct {
	T time.Time
	V float64
}

// apiResponse is the API's envelope
// (https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview).
type apiResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Value  []json.RawMessage   `json:"value"`
			Values [][]json.RawMessage `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

// query evaluates an instant query and returns its one sample, or none
// when the answer is empty (no matching series).
func (c *client) query(ctx context.Context, q string) ([]point, error) {
	return c.get(ctx, "/api/v1/query", url.Values{"query": {q}})
}

// queryRange evaluates a range query that yields at most one series.
func (c *client) queryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]point, error) {
	return c.get(ctx, "/api/v1/query_range", url.Values{
		"query": {q},
		"start": {strconv.FormatInt(start.Unix(), 10)},
		"end":   {strconv.FormatInt(end.Unix(), 10)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	})
}

func (c *client) get(ctx context.Context, path string, params url.Values) ([]point, error) {
	key := path + "?" + params.Encode()
	// Range queries' start and end move every second; the cache keys on
	// the query alone for them, as an answer a few seconds old is fine.
	if path == "/api/v1/query_range" {
		key = path + "?" + params.Get("query") + "&step=" + params.Get("step")
	}
	if c.ttl > 0 {
		c.mu.Lock()
		e, ok := c.cache[key]
		c.mu.Unlock()
		if ok && time.Since(e.at) < c.ttl {
			return e.points, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The error names the URL, never the headers.
		return nil, callboard.Wrap(callboard.Upstream, err, "Prometheus %s did not answer", c.name)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, callboard.Wrap(callboard.Upstream, err, "Prometheus %s did not answer", c.name)
	}
	var r apiResponse
	jsonErr := json.Unmarshal(body, &r)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, callboard.Errorf(callboard.Upstream, "Prometheus %s refused the credentials (%s); check prometheus.instances[].headers", c.name, resp.Status)
	case jsonErr == nil && r.Status == "error":
		return nil, callboard.Errorf(callboard.Upstream, "Prometheus %s: %s: %s", c.name, r.ErrorType, r.Error)
	case resp.StatusCode != http.StatusOK:
		return nil, callboard.Errorf(callboard.Upstream, "Prometheus %s answered %s", c.name, resp.Status)
	case jsonErr != nil:
		return nil, callboard.Wrap(callboard.Upstream, jsonErr, "Prometheus %s sent a malformed answer", c.name)
	}
	var points []point
	for _, s := range r.Data.Result {
		if s.Value != nil {
			p, err := parsePoint(s.Value)
			if err != nil {
				return nil, callboard.Wrap(callboard.Upstream, err, "Prometheus %s sent a malformed sample", c.name)
			}
			points = append(points, p)
		}
		for _, v := range s.Values {
			p, err := parsePoint(v)
			if err != nil {
				return nil, callboard.Wrap(callboard.Upstream, err, "Prometheus %s sent a malformed sample", c.name)
			}
			points = append(points, p)
		}
	}
	if c.ttl > 0 {
		c.mu.Lock()
		// Expired answers go when the cache grows, so it holds about
		// the queries of one TTL.
		if len(c.cache) >= 1000 {
			for k, e := range c.cache {
				if time.Since(e.at) >= c.ttl {
					delete(c.cache, k)
				}
			}
		}
		c.cache[key] = cached{at: time.Now(), points: points}
		c.mu.Unlock()
	}
	return points, nil
}

// parsePoint reads [ <unix time>, "<value>" ].
func parsePoint(raw []json.RawMessage) (point, error) {
	if len(raw) != 2 {
		return point{}, callboard.Errorf(callboard.Upstream, "a sample has %d fields, want 2", len(raw))
	}
	var ts float64
	var s string
	if err := json.Unmarshal(raw[0], &ts); err != nil {
		return point{}, err
	}
	if err := json.Unmarshal(raw[1], &s); err != nil {
		return point{}, err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return point{}, err
	}
	sec, frac := math.Modf(ts)
	return point{T: time.Unix(int64(sec), int64(frac*1e9)).UTC(), V: v}, nil
}
