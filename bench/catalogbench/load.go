package catalogbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"callboard"
)

// QueryResult is the load test of one query kind.
type QueryResult struct {
	Name        string        `json:"name"`
	Example     string        `json:"example"` // one request path, for the reader
	Concurrency int           `json:"concurrency"`
	Requests    int           `json:"requests"`
	Errors      int           `json:"errors"` // transport errors, non-200s and failed checks
	FirstError  string        `json:"firstError,omitempty"`
	P50         time.Duration `json:"p50"`
	P95         time.Duration `json:"p95"`
	P99         time.Duration `json:"p99"`
	Max         time.Duration `json:"max"`
	PerSec      float64       `json:"perSec"`
	// Serial is the same query from one client at a time: latency
	// without queueing behind the other clients. Nil when skipped.
	Serial *Latency `json:"serial,omitempty"`
}

// Latency is a latency distribution.
type Latency struct {
	Requests int           `json:"requests"`
	P50      time.Duration `json:"p50"`
	P95      time.Duration `json:"p95"`
	P99      time.Duration `json:"p99"`
}

// queryKind is one kind of request: how to make a random one, a cheap
// check run on every response, and a thorough one run on the first.
type queryKind struct {
	name     string
	path     func(r *rand.Rand) string
	check    func(body []byte) error
	thorough func(body []byte) error
}

func (b *bench) queryKinds() []queryKind {
	o := b.org
	const c = "/api/catalog"
	hasItems := func(body []byte) error {
		if !bytes.Contains(body, []byte(`"items":[{`)) {
			return fmt.Errorf("no items")
		}
		return nil
	}
	return []queryKind{{
		name: "by-name",
		path: func(r *rand.Rand) string { return byNamePath(o.refs.at(r.IntN(o.refs.len()))) },
		check: func(body []byte) error {
			if !bytes.Contains(body, []byte(`"metadata":{`)) {
				return fmt.Errorf("not an entity")
			}
			return nil
		},
		thorough: func(body []byte) error {
			var e callboard.Entity
			if err := json.Unmarshal(body, &e); err != nil {
				return err
			}
			if e.Metadata.Name == "" || e.Metadata.UID == "" || len(e.Relations) == 0 {
				return fmt.Errorf("entity without name, uid or relations")
			}
			return nil
		},
	}, {
		name: "kind+type",
		path: func(*rand.Rand) string {
			return c + "/entities/by-query?filter=kind=component,spec.type=service&limit=100"
		},
		check: hasItems,
		thorough: func(body []byte) error {
			return checkItems(body, 100, func(e map[string]any) bool {
				return e["kind"] == "Component" && field(e, "spec", "type") == "service"
			})
		},
	}, {
		name: "owner+fields",
		path: func(r *rand.Rand) string {
			return c + "/entities/by-query?filter=relations.ownedBy=group:default/" + o.teams[r.IntN(len(o.teams))] +
				"&fields=metadata.name,spec.type"
		},
		check: hasItems,
		thorough: func(body []byte) error {
			return checkItems(body, 1, func(e map[string]any) bool {
				_, hasKind := e["kind"]
				return !hasKind && field(e, "metadata", "name") != ""
			})
		},
	}, {
		name: "facets",
		path: func(*rand.Rand) string {
			return c + "/entity-facets?facet=kind&facet=spec.type&facet=spec.lifecycle&facet=metadata.tags"
		},
		check: func(body []byte) error {
			if !bytes.Contains(body, []byte(`"metadata.tags":[{`)) {
				return fmt.Errorf("no metadata.tags facet values")
			}
			return nil
		},
		thorough: func(body []byte) error {
			var f struct {
				Facets map[string][]struct {
					Value string `json:"value"`
					Count int    `json:"count"`
				} `json:"facets"`
			}
			if err := json.Unmarshal(body, &f); err != nil {
				return err
			}
			for _, k := range []string{"kind", "spec.type", "spec.lifecycle", "metadata.tags"} {
				if len(f.Facets[k]) == 0 || f.Facets[k][0].Count == 0 {
					return fmt.Errorf("facet %s has no values", k)
				}
			}
			return nil
		},
	}, {
		name: "full-text",
		path: func(r *rand.Rand) string {
			return c + "/entities/by-query?fullTextFilterTerm=" + url.QueryEscape(o.words[r.IntN(len(o.words))]) +
				"&fullTextFilterFields=metadata.name,metadata.title,metadata.description&limit=20"
		},
		check:    hasItems,
		thorough: func(body []byte) error { return checkItems(body, 1, func(map[string]any) bool { return true }) },
	}}
}

// checkItems checks that a by-query answer has at least min items and that
// each passes ok.
func checkItems(body []byte, min int, ok func(map[string]any) bool) error {
	var page struct {
		Items      []map[string]any `json:"items"`
		TotalItems int              `json:"totalItems"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return err
	}
	if len(page.Items) < min {
		return fmt.Errorf("%d items (total %d), want at least %d", len(page.Items), page.TotalItems, min)
	}
	for i, e := range page.Items {
		if !ok(e) {
			b, _ := json.Marshal(e)
			return fmt.Errorf("item %d does not match: %.200s", i, b)
		}
	}
	return nil
}

// field returns the string at path in a decoded JSON object, or "".
func field(m map[string]any, path ...string) string {
	var v any = m
	for _, k := range path {
		o, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = o[k]
	}
	s, _ := v.(string)
	return s
}

// measure runs q: a short warm-up, the load test with the configured
// concurrency, and a single-client pass.
func (b *bench) measure(ctx context.Context, q queryKind) QueryResult {
	res := QueryResult{Name: q.name, Example: q.path(rand.New(rand.NewPCG(1, 1))), Concurrency: b.opts.Concurrency}
	body, status, err := get(ctx, b.hc, b.base+res.Example)
	switch {
	case err != nil:
		res.FirstError = err.Error()
	case status != http.StatusOK:
		res.FirstError = fmt.Sprintf("status %d: %.200s", status, body)
	default:
		if err := q.thorough(body); err != nil {
			res.FirstError = "first response: " + err.Error()
		}
	}
	if res.FirstError != "" {
		res.Errors = 1
		return res
	}
	b.load(ctx, q, b.opts.Concurrency, min(b.opts.Duration/10, 300*time.Millisecond), b.opts.MaxRequests)
	l := b.load(ctx, q, b.opts.Concurrency, b.opts.Duration, b.opts.MaxRequests)
	res.Requests, res.Errors, res.FirstError = len(l.lat), l.errors, l.firstErr
	res.PerSec = float64(len(l.lat)) / l.elapsed.Seconds()
	res.P50, res.P95, res.P99, res.Max = l.pct(0.50), l.pct(0.95), l.pct(0.99), l.pct(1)
	if b.opts.SerialDuration > 0 {
		s := b.load(ctx, q, 1, b.opts.SerialDuration, b.opts.MaxRequests)
		res.Serial = &Latency{Requests: len(s.lat), P50: s.pct(0.50), P95: s.pct(0.95), P99: s.pct(0.99)}
		res.Errors += s.errors
		if res.FirstError == "" {
			res.FirstError = s.firstErr
		}
	}
	return res
}

// loadResult is the outcome of one load run; lat is sorted.
type loadResult struct {
	lat      []time.Duration
	errors   int
	firstErr string
	elapsed  time.Duration
}

// pct returns the nearest-rank percentile p (0 < p ≤ 1).
func (l *loadResult) pct(p float64) time.Duration {
	if len(l.lat) == 0 {
		return 0
	}
	i := int(p*float64(len(l.lat))+0.999999) - 1
	return l.lat[max(0, min(i, len(l.lat)-1))]
}

// load sends requests of kind q from conc goroutines until d has passed or
// max requests were sent. Failed requests count as errors, not latencies.
func (b *bench) load(ctx context.Context, q queryKind, conc int, d time.Duration, maxReq int) *loadResult {
	var (
		sent  atomic.Int64
		mu    sync.Mutex
		res   = &loadResult{}
		wg    sync.WaitGroup
		start = time.Now()
	)
	deadline := start.Add(d)
	for w := range conc {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(b.opts.Seed), uint64(w)))
			lat := make([]time.Duration, 0, 4096)
			var buf bytes.Buffer
			errs, firstErr := 0, ""
			for ctx.Err() == nil && sent.Add(1) <= int64(maxReq) {
				path := q.path(r)
				t0 := time.Now()
				if t0.After(deadline) {
					break
				}
				status, err := getInto(ctx, b.hc, b.base+path, &buf)
				took := time.Since(t0)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("status %d: %.200s", status, buf.Bytes())
				}
				if err == nil {
					err = q.check(buf.Bytes())
				}
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = path + ": " + err.Error()
					}
					continue
				}
				lat = append(lat, took)
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			if res.firstErr == "" {
				res.firstErr = firstErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res
}

// getInto GETs url into buf and returns the status.
func getInto(ctx context.Context, hc *http.Client, url string, buf *bytes.Buffer) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func get(ctx context.Context, hc *http.Client, url string) ([]byte, int, error) {
	var buf bytes.Buffer
	status, err := getInto(ctx, hc, url, &buf)
	return buf.Bytes(), status, err
}

// waitQueryable polls until ref answers by-name with an ownedBy relation
// and its owner answers with ownerOf pointing back at ref.
func waitQueryable(ctx context.Context, hc *http.Client, base string, ref callboard.EntityRef, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for {
		last = queryable(ctx, hc, base, ref)
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not queryable with relations after %s: %w", ref, limit, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func queryable(ctx context.Context, hc *http.Client, base string, ref callboard.EntityRef) error {
	e, err := getEntity(ctx, hc, base+byNamePath(ref))
	if err != nil {
		return err
	}
	var owner string
	for _, r := range e.Relations {
		if r.Type == "ownedBy" {
			owner = r.TargetRef
		}
	}
	if owner == "" {
		return fmt.Errorf("%s has no ownedBy relation", ref)
	}
	oref, err := callboard.ParseRef(owner, "", "")
	if err != nil {
		return err
	}
	g, err := getEntity(ctx, hc, base+byNamePath(oref))
	if err != nil {
		return err
	}
	for _, r := range g.Relations {
		if r.Type == "ownerOf" && r.TargetRef == ref.String() {
			return nil
		}
	}
	return fmt.Errorf("owner %s has no ownerOf %s", owner, ref)
}

func getEntity(ctx context.Context, hc *http.Client, url string) (*callboard.Entity, error) {
	body, status, err := get(ctx, hc, url)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", url, status)
	}
	var e callboard.Entity
	if err := json.NewDecoder(io.LimitReader(bytes.NewReader(body), 1<<24)).Decode(&e); err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return &e, nil
}
