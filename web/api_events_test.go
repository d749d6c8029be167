package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"callboard"
	"callboard/plugin"
	"callboard/web"
)

// signedSink accepts deliveries whose X-Signature header is "ok".
type signedSink struct{ got []string }

func (s *signedSink) handle(ctx context.Context, h http.Header, body []byte) error {
	if h.Get("X-Signature") != "ok" {
		return callboard.Errorf(callboard.Unauthenticated, "bad signature")
	}
	s.got = append(s.got, string(body))
	return nil
}

// hooksPlugin is an enabled plugin handling the topic with h.
func hooksPlugin(h plugin.EventHandler) []plugin.Enabled {
	return []plugin.Enabled{{Plugin: plugin.Plugin{ID: "hooks", Title: "Hooks"}, Instance: &plugin.Instance{Events: []plugin.EventHandler{h}}}}
}

func TestEventsEndpoint(t *testing.T) {
	sink := &signedSink{}
	srv := newTestServer(t, web.Options{Plugins: hooksPlugin(plugin.EventHandler{Topic: "github", Handle: sink.handle})}, 0)
	post := func(sig string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/api/events/http/github", strings.NewReader(`{"zen":"x"}`))
		req.Header.Set("X-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Outside dev mode, no bearer token: the sink's signature check decides.
	if code := post("forged"); code != http.StatusUnauthorized {
		t.Fatalf("forged: %d", code)
	}
	if code := post("ok"); code != http.StatusAccepted || len(sink.got) != 1 || sink.got[0] != `{"zen":"x"}` {
		t.Fatalf("signed: %d %v", code, sink.got)
	}
	if resp, _ := do(t, srv, "POST", "/api/events/http/gitlab", "", map[string]string{}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a topic no plugin handles: %d", resp.StatusCode)
	}
	none := newTestServer(t, web.Options{}, 0)
	if resp, _ := do(t, none, "POST", "/api/events/http/github", "", map[string]string{}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("no sink: %d", resp.StatusCode)
	}
}

// precheck refuses deliveries without an X-Signature header before their
// body is read.
func precheck(h http.Header) error {
	if h.Get("X-Signature") == "" {
		return callboard.Errorf(callboard.Unauthenticated, "missing signature")
	}
	return nil
}

// countingBody records how many bytes the server read of a request body.
type countingBody struct {
	r    io.Reader
	read int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

// An unsigned delivery is refused from its headers: the server reads none of
// a large body, so unauthenticated senders cannot make it buffer 25 MiB.
func TestEventsPrecheckBeforeBody(t *testing.T) {
	sink := &signedSink{}
	hooks := hooksPlugin(plugin.EventHandler{Topic: "github", Accept: precheck, Handle: sink.handle})
	h := web.NewServer(slog.New(slog.DiscardHandler), nil, web.Options{Plugins: hooks})
	body := &countingBody{r: strings.NewReader(strings.Repeat("x", 1<<20))}
	req := httptest.NewRequest("POST", "/api/events/http/github", body)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("unsigned: status %d, want 401", rec.Code)
	}
	if body.read != 0 {
		t.Errorf("server read %d bytes of an unsigned delivery before refusing it", body.read)
	}
}
