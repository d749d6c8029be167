package metrics

import (
	"net/http"
	"strconv"
	"time"
)

// Transport wraps next (nil means http.DefaultTransport) so that every
// call through it is recorded under pluginID: its duration until the
// answer's headers, by status code, and the failures (no answer, 5xx).
// The host wraps each plugin's Env.HTTPClient with it.
func (m *Metrics) Transport(pluginID string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{m: m, plugin: pluginID, next: next}
}

type transport struct {
	m      *Metrics
	plugin string
	next   http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	t.m.outside.WithLabelValues(t.plugin, code).Observe(time.Since(start).Seconds())
	failed := err != nil || resp.StatusCode >= 500
	errs := t.m.outsideErrors.WithLabelValues(t.plugin)
	if failed {
		errs.Inc()
	} else {
		errs.Add(0)
	}
	return resp, err
}
