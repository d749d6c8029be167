package github

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"callboard"
)

// Stats counts what the client sent: every request, those answered 304
// from the ETag cache, and the waits on rate limits.
type Stats struct {
	Requests    atomic.Int64
	NotModified atomic.Int64
	RateLimited atomic.Int64
}

// transport adds, around every API request: the credentials for the
// owner the path names, the per-host budget, a wait when the rate limit
// is spent, If-None-Match from the ETag cache, and a retry after a rate
// limit answer.
type transport struct {
	base    http.RoundTripper
	token   func(ctx context.Context, owner string) (string, error)
	budget  *bucket
	cache   *etagCache
	stats   *Stats
	maxWait time.Duration

	mu        sync.Mutex
	remaining int // -1: unknown
	reset     time.Time
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	req = req.Clone(ctx)
	if tok, ok := ctx.Value(tokenKey{}).(string); ok && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if req.Header.Get("Authorization") == "" {
		tok, err := t.token(ctx, ownerOf(req.URL.Path))
		if err != nil {
			return nil, err
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	key := ""
	var cached *cacheEntry
	if req.Method == http.MethodGet && t.cache != nil {
		key = req.URL.String() + "\x00" + req.Header.Get("Accept") + "\x00" + req.Header.Get("Authorization")
		if cached = t.cache.get(key); cached != nil {
			req.Header.Set("If-None-Match", cached.etag)
		}
	}
	for attempt := 0; ; attempt++ {
		if err := t.waitLimit(ctx); err != nil {
			return nil, err
		}
		if err := t.budget.wait(ctx); err != nil {
			return nil, err
		}
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		t.stats.Requests.Add(1)
		resp, err := t.base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		wait, limited := t.observe(resp)
		if limited && attempt < 3 && (req.Body == nil || req.GetBody != nil) && wait <= t.maxWait {
			t.stats.RateLimited.Add(1)
			resp.Body.Close()
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		if limited {
			resp.Body.Close()
			return nil, callboard.Errorf(callboard.Upstream, "GitHub rate limit exceeded on %s; it resets in %s", req.URL.Host, wait.Round(time.Second))
		}
		if resp.StatusCode == http.StatusNotModified && cached != nil {
			t.stats.NotModified.Add(1)
			resp.Body.Close()
			return cached.response(req, resp), nil
		}
		if key != "" && resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "" {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, err
			}
			t.cache.put(key, &cacheEntry{etag: resp.Header.Get("ETag"), header: resp.Header.Clone(), body: body})
			resp.Body = io.NopCloser(bytes.NewReader(body))
		}
		return resp, nil
	}
}

// observe records the rate-limit headers of resp and reports whether it is
// a rate-limit answer, and how long to wait before retrying.
func (t *transport) observe(resp *http.Response) (time.Duration, bool) {
	h := resp.Header
	rem, errRem := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	resetUnix, errReset := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if errRem == nil && errReset == nil {
		t.mu.Lock()
		t.remaining, t.reset = rem, time.Unix(resetUnix, 0)
		t.mu.Unlock()
	}
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	if ra := h.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil {
			return time.Duration(secs) * time.Second, true
		}
	}
	if errRem == nil && rem == 0 && errReset == nil {
		return max(time.Until(time.Unix(resetUnix, 0)), 0) + time.Second, true
	}
	return 0, false
}

// waitLimit waits for the reset when the last answer said the limit is
// spent, or fails when the reset is further away than maxWait.
func (t *transport) waitLimit(ctx context.Context) error {
	t.mu.Lock()
	rem, reset := t.remaining, t.reset
	t.mu.Unlock()
	if rem != 0 || time.Now().After(reset) {
		return nil
	}
	d := time.Until(reset) + time.Second
	if d > t.maxWait {
		return callboard.Errorf(callboard.Upstream, "GitHub rate limit exhausted; it resets at %s", reset.UTC().Format(time.RFC3339))
	}
	t.stats.RateLimited.Add(1)
	return sleep(ctx, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ownerOf returns the account a request acts on, to pick an App
// installation: /repos/{owner}/..., /orgs/{org}/..., /users/{user}/...,
// and git's /{owner}/{repo}.git.
func ownerOf(path string) string {
	path = strings.TrimPrefix(path, "/api/v3")
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case len(parts) >= 2 && (parts[0] == "repos" || parts[0] == "orgs" || parts[0] == "users"):
		return parts[1]
	case len(parts) >= 2 && strings.HasSuffix(parts[1], ".git"):
		return parts[0]
	}
	return ""
}

// bucket is a token bucket: the per-host request budget.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64) *bucket {
	return &bucket{rate: rate, burst: 2 * rate, tokens: 2 * rate, last: time.Now()}
}

func (b *bucket) wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := time.Now()
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return nil
		}
		d := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		b.mu.Unlock()
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// etagCache keeps the last 200 answer of GET requests with an ETag.
type etagCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	etag   string
	header http.Header
	body   []byte
}

func (c *etagCache) get(key string) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key]
}

func (c *etagCache) put(key string, e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k := range c.entries { // drop an arbitrary tenth
			delete(c.entries, k)
			if len(c.entries) < c.max*9/10 {
				break
			}
		}
	}
	c.entries[key] = e
}

// response rebuilds the cached 200 answer, with the fresh rate-limit
// headers of the 304.
func (e *cacheEntry) response(req *http.Request, notModified *http.Response) *http.Response {
	h := e.header.Clone()
	for k, v := range notModified.Header {
		if strings.HasPrefix(k, "X-Ratelimit") {
			h[k] = v
		}
	}
	return &http.Response{Status: "200 OK", StatusCode: http.StatusOK, Proto: notModified.Proto,
		ProtoMajor: notModified.ProtoMajor, ProtoMinor: notModified.ProtoMinor, Header: h,
		Body: io.NopCloser(bytes.NewReader(e.body)), ContentLength: int64(len(e.body)), Request: req}
}
