package urlread_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"callboard"
	"callboard/urlread"
)

// newTestServer serves h and returns the server and its host:port.
func newTestServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return srv, u.Host
}

// mustRead reads target and fails the test on an error.
func mustRead(t *testing.T, r *urlread.Reader, target string) string {
	t.Helper()
	b, err := r.Read(t.Context(), target)
	if err != nil {
		t.Fatalf("Read(%s): %v", target, err)
	}
	return string(b)
}

// TestReaderRefusesHostNotAllowed: only URLs that backend.reading.allow
// (or an integration's host) allows are read, and a refused URL is never
// requested.
func TestReaderRefusesHostNotAllowed(t *testing.T) {
	var hits atomic.Int32
	srv, host := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("internal secret"))
	})
	name := strings.Split(host, ":")[0]
	for _, tc := range []struct {
		name   string
		reader urlread.Reader
		target string
		kind   callboard.Kind // "" for success
	}{
		{name: "no rules", target: srv.URL + "/x", kind: callboard.Forbidden},
		{name: "another host", reader: urlread.Reader{Allow: callboard.HostRules("example.com")}, target: srv.URL + "/x", kind: callboard.Forbidden},
		{name: "host without the port", reader: urlread.Reader{Allow: callboard.HostRules(name)}, target: srv.URL + "/x", kind: callboard.Forbidden},
		{name: "outside the paths", reader: urlread.Reader{Allow: callboard.AllowRules{{Host: host, Paths: []string{"/docs/"}}}},
			target: srv.URL + "/docs/../admin", kind: callboard.Forbidden},
		{name: "an integration for another host", reader: urlread.Reader{Integrations: []urlread.Integration{{Host: "example.com"}}},
			target: srv.URL + "/x", kind: callboard.Forbidden},
		{name: "not http", reader: urlread.Reader{Allow: callboard.HostRules(host)}, target: "file:///etc/passwd", kind: callboard.Invalid},
		{name: "no host", reader: urlread.Reader{Allow: callboard.HostRules(host)}, target: "http:///x", kind: callboard.Invalid},
		{name: "host with the port", reader: urlread.Reader{Allow: callboard.HostRules(host)}, target: srv.URL + "/x"},
		{name: "under the paths", reader: urlread.Reader{Allow: callboard.AllowRules{{Host: host, Paths: []string{"/docs/"}}}}, target: srv.URL + "/docs/x"},
		{name: "an integration's host", reader: urlread.Reader{Integrations: []urlread.Integration{{Host: host}}}, target: srv.URL + "/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := hits.Load()
			b, err := tc.reader.Read(t.Context(), tc.target)
			if tc.kind == "" {
				if err != nil || string(b) != "internal secret" {
					t.Errorf("Read = %q, %v; want the body", b, err)
				}
				return
			}
			if callboard.ErrorKind(err) != tc.kind || len(b) > 0 {
				t.Errorf("Read = %q, %v; want %s", b, err, tc.kind)
			}
			if hits.Load() != before {
				t.Errorf("the server was asked for a refused URL")
			}
			if tc.kind == callboard.Forbidden && !strings.Contains(err.Error(), "backend.reading.allow") {
				t.Errorf("error = %q, want advice about backend.reading.allow", err)
			}
		})
	}
}

// TestReaderRechecksEveryRedirectHop: a redirect is followed only to an
// http(s) URL the rules allow, at every hop, whatever client the caller
// gives; loops stop.
func TestReaderRechecksEveryRedirectHop(t *testing.T) {
	var innerHits atomic.Int32
	inner, innerHost := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		innerHits.Add(1)
		w.Write([]byte("internal secret"))
	})
	second, secondHost := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-inner":
			http.Redirect(w, r, inner.URL+"/secret", http.StatusFound)
		default:
			w.Write([]byte("fine"))
		}
	})
	first, firstHost := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/via-second":
			http.Redirect(w, r, second.URL+"/to-inner", http.StatusFound)
		case "/to-second":
			http.Redirect(w, r, second.URL+"/ok", http.StatusMovedPermanently)
		case "/to-file":
			w.Header().Set("Location", "file:///etc/passwd")
			w.WriteHeader(http.StatusFound)
		case "/to-gopher":
			w.Header().Set("Location", "gopher://"+innerHost+"/secret")
			w.WriteHeader(http.StatusTemporaryRedirect)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	})
	clients := map[string]*http.Client{
		"default client":                     nil,
		"caller's client":                    {},
		"caller's client following anything": {CheckRedirect: func(*http.Request, []*http.Request) error { return nil }},
	}
	for cname, client := range clients {
		r := &urlread.Reader{Allow: callboard.HostRules(firstHost, secondHost), Client: client}
		for _, tc := range []struct {
			name, path string
			want       string // the body, or the error's text
			kind       callboard.Kind
		}{
			{name: "allowed to allowed", path: "/to-second", want: "fine"},
			{name: "allowed to allowed to not allowed", path: "/via-second", want: "redirect to " + inner.Listener.Addr().String() + " is not allowed", kind: callboard.Forbidden},
			{name: "to a file URL", path: "/to-file", want: "redirect to file: is not allowed", kind: callboard.Forbidden},
			{name: "to another scheme", path: "/to-gopher", want: "is not allowed", kind: callboard.Forbidden},
			{name: "a loop", path: "/loop", want: "stopped after 10 redirects", kind: callboard.Forbidden},
		} {
			t.Run(cname+"/"+tc.name, func(t *testing.T) {
				b, err := r.Read(t.Context(), first.URL+tc.path)
				if tc.kind == "" {
					if err != nil || string(b) != tc.want {
						t.Errorf("Read = %q, %v; want %q", b, err, tc.want)
					}
					return
				}
				if callboard.ErrorKind(err) != tc.kind || !strings.Contains(fmt.Sprint(err), tc.want) || len(b) > 0 {
					t.Errorf("Read = %q, %v; want %s saying %q", b, err, tc.kind, tc.want)
				}
			})
		}
	}
	if n := innerHits.Load(); n != 0 {
		t.Errorf("the host that is not allowed was asked %d times", n)
	}
}

// TestReaderSizeCap: a body over MaxBytes is refused whether or not the
// server announces its length, and so is an integration's answer.
func TestReaderSizeCap(t *testing.T) {
	srv, host := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", fmt.Sprint(n))
		}
		for n > 0 {
			chunk := min(n, 64<<10)
			w.Write([]byte(strings.Repeat("x", chunk)))
			w.(http.Flusher).Flush()
			n -= chunk
		}
	})
	big := func(ctx context.Context, u *url.URL) ([]byte, bool, error) {
		if u.Path != "/from-integration" {
			return nil, false, nil
		}
		return make([]byte, 1001), true, nil
	}
	for _, tc := range []struct {
		name     string
		maxBytes int64
		query    string
		want     string // the error's text; "" for success
	}{
		{name: "at the cap", maxBytes: 1000, query: "n=1000"},
		{name: "over the cap, announced", maxBytes: 1000, query: "n=1001", want: "is larger than 1000 bytes"},
		{name: "over the cap, not announced", maxBytes: 1000, query: "n=1001&chunked=1", want: "is larger than 1000 bytes"},
		{name: "over the default cap", query: fmt.Sprintf("n=%d&chunked=1", urlread.DefaultMaxBytes+1), want: "is larger than 8 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &urlread.Reader{Allow: callboard.HostRules(host), MaxBytes: tc.maxBytes}
			b, err := r.Read(t.Context(), srv.URL+"/file?"+tc.query)
			if tc.want == "" {
				if err != nil || int64(len(b)) != tc.maxBytes {
					t.Errorf("Read = %d bytes, %v; want %d bytes", len(b), err, tc.maxBytes)
				}
				return
			}
			if callboard.ErrorKind(err) != callboard.Invalid || !strings.Contains(fmt.Sprint(err), tc.want) || len(b) > 0 {
				t.Errorf("Read = %d bytes, %v; want Invalid saying %q", len(b), err, tc.want)
			}
		})
	}
	r := &urlread.Reader{MaxBytes: 1000, Integrations: []urlread.Integration{{Host: host, Read: big}}}
	if b, err := r.Read(t.Context(), srv.URL+"/from-integration"); callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("an integration's answer over the cap: %d bytes, %v; want Invalid", len(b), err)
	}
}

// TestReaderTimeout: a server that does not answer, or stops sending the
// body, fails the read as Upstream once Timeout has passed.
func TestReaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, host := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for handlers
	for _, path := range []string{"/no-answer", "/slow-body"} {
		t.Run(path, func(t *testing.T) {
			r := &urlread.Reader{Allow: callboard.HostRules(host), Timeout: 50 * time.Millisecond}
			b, err := r.Read(t.Context(), srv.URL+path)
			if callboard.ErrorKind(err) != callboard.Upstream || len(b) > 0 {
				t.Errorf("Read = %q, %v; want Upstream", b, err)
			}
		})
	}
}

// TestReaderIntegrationCredentialsOnlyToItsHost: an integration's reader
// and token serve its own host only: neither is used for another host
// read directly, and the token does not follow a redirect to another
// host, even one with the same host name on another port (where net/http
// alone would send it).
func TestReaderIntegrationCredentialsOnlyToItsHost(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]string{} // server → Authorization headers received
	reset := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		seen[name] = nil
	}
	handler := func(name string, next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name] = append(seen[name], r.Header.Get("Authorization"))
			mu.Unlock()
			next(w, r)
		}
	}
	b, bHost := newTestServer(t, handler("b", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("b")) }))
	a, aHost := newTestServer(t, handler("a", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/to-b" {
			http.Redirect(w, r, b.URL+"/x", http.StatusFound)
			return
		}
		w.Write([]byte("a"))
	}))
	asked := map[string][]string{} // integration → hosts its functions were asked about
	ask := func(name string, u *url.URL) {
		mu.Lock()
		defer mu.Unlock()
		asked[name] = append(asked[name], u.Host)
	}
	token := func(name string) func(context.Context, *url.URL) (string, error) {
		return func(_ context.Context, u *url.URL) (string, error) {
			ask(name, u)
			return "token " + name + "-secret", nil
		}
	}
	// A's own reader handles nothing, so every read goes over HTTP.
	readA := func(_ context.Context, u *url.URL) ([]byte, bool, error) {
		ask("a", u)
		return nil, false, nil
	}
	onlyA := &urlread.Reader{Allow: callboard.HostRules(bHost),
		Integrations: []urlread.Integration{{Host: aHost, Authorization: token("a"), Read: readA}}}
	both := &urlread.Reader{Integrations: []urlread.Integration{
		{Host: aHost, Authorization: token("a"), Read: readA}, {Host: bHost, Authorization: token("b")}}}
	for _, tc := range []struct {
		name   string
		reader *urlread.Reader
		target string
		want   map[string][]string
	}{
		{name: "to its host", reader: onlyA, target: a.URL + "/x", want: map[string][]string{"a": {"token a-secret"}}},
		{name: "to another host", reader: onlyA, target: b.URL + "/x", want: map[string][]string{"b": {""}}},
		{name: "redirected to another host", reader: onlyA, target: a.URL + "/to-b",
			want: map[string][]string{"a": {"token a-secret"}, "b": {""}}},
		{name: "redirected to another integration's host", reader: both, target: a.URL + "/to-b",
			want: map[string][]string{"a": {"token a-secret"}, "b": {"token b-secret"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reset("a")
			reset("b")
			mustRead(t, tc.reader, tc.target)
			mu.Lock()
			defer mu.Unlock()
			for _, name := range []string{"a", "b"} {
				if got, want := fmt.Sprint(seen[name]), fmt.Sprint(tc.want[name]); got != want {
					t.Errorf("server %s got Authorization %s, want %s", name, got, want)
				}
			}
		})
	}
	for name, host := range map[string]string{"a": aHost, "b": bHost} {
		for _, h := range asked[name] {
			if h != host {
				t.Errorf("integration %s (%s) was asked about %s", name, host, h)
			}
		}
	}
}

// TestReaderIntegrationRead: an integration that reads a URL itself
// answers for it, and its errors pass through; URLs it does not handle
// are read over HTTP.
func TestReaderIntegrationRead(t *testing.T) {
	srv, host := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("over http")) })
	read := func(_ context.Context, u *url.URL) ([]byte, bool, error) {
		switch u.Path {
		case "/mine":
			return []byte("from the integration"), true, nil
		case "/missing":
			return nil, true, callboard.Errorf(callboard.NotFound, "%s does not exist", u)
		}
		return nil, false, nil
	}
	r := &urlread.Reader{Allow: callboard.HostRules(host), Integrations: []urlread.Integration{{Host: host, Read: read}}}
	if got := mustRead(t, r, srv.URL+"/mine"); got != "from the integration" {
		t.Errorf("handled URL = %q", got)
	}
	if got := mustRead(t, r, srv.URL+"/other"); got != "over http" {
		t.Errorf("URL not handled = %q", got)
	}
	if _, err := r.Read(t.Context(), srv.URL+"/missing"); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("integration's error = %v, want NotFound", err)
	}
}

// roundTripper answers requests without a network.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestReaderGitHubBlobReadsRaw: a github.com blob URL is read from
// raw.githubusercontent.com, which must be allowed too.
func TestReaderGitHubBlobReadsRaw(t *testing.T) {
	var got []string
	client := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.String())
		return &http.Response{StatusCode: 200, Status: "200 OK", Body: io.NopCloser(strings.NewReader("kind: Component\n")), Request: r}, nil
	})}
	const blob = "https://github.com/acme/svc/blob/main/catalog-info.yaml"
	r := &urlread.Reader{Allow: callboard.HostRules("github.com", "raw.githubusercontent.com"), Client: client}
	mustRead(t, r, blob)
	if want := "https://raw.githubusercontent.com/acme/svc/main/catalog-info.yaml"; len(got) != 1 || got[0] != want {
		t.Errorf("requested %v, want [%s]", got, want)
	}
	r.Allow = callboard.HostRules("github.com")
	if _, err := r.Read(t.Context(), blob); callboard.ErrorKind(err) != callboard.Forbidden {
		t.Errorf("raw host not allowed: %v, want Forbidden", err)
	}
}
