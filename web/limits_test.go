package web_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"callboard/catalog"
	"callboard/store/storetest"
	"callboard/web"
)

// serveLimited serves h on a loopback listener with l, as callboard serve
// does, until the test ends; it returns the base URL.
func serveLimited(t *testing.T, h http.Handler, l web.Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := l.HTTPServer(h)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(l.Listener(ln)) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return "http://" + ln.Addr().String()
}

// inFlight counts the requests being handled and the most at once.
type inFlight struct {
	now, max atomic.Int64
}

func (c *inFlight) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := c.now.Add(1)
		for m := c.max.Load(); n > m && !c.max.CompareAndSwap(m, n); m = c.max.Load() {
		}
		defer c.now.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// TestAttackSlowBodyConnections: 21,000 connections that sent their
// headers and then a body byte by byte, never finishing, exhausted the file
// descriptors and /healthz timed out. Now each body has a deadline, after
// which the connection is closed, and the server serves a bounded number
// of connections at once, the others waiting to be accepted: /healthz
// answers (once slow bodies are cut) and no slow connection lasts.
func TestAttackSlowBodyConnections(t *testing.T) {
	const maxConns = 8
	cat := catalog.New(storetest.Open(t), catalog.Options{})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	var flight inFlight
	h := flight.wrap(web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true}))
	base := serveLimited(t, h, web.Limits{
		HeaderTimeout: 2 * time.Second, BodyTimeout: 200 * time.Millisecond,
		WriteTimeout: 5 * time.Second, IdleTimeout: time.Second, MaxConns: maxConns,
	})
	addr := strings.TrimPrefix(base, "http://")

	// Three times as many slow bodies as the server serves at once. Each
	// trickles a byte now and then and waits for the server to hang up; a
	// hang guard (not a timing check) ends the test if it never does.
	const slow = 3 * maxConns
	var wg sync.WaitGroup
	cut := make(chan error, slow)
	for range slow {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		_, err = io.WriteString(conn, "POST /api/catalog/validate-entity HTTP/1.1\r\nHost: callboard\r\n"+
			"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(50 * time.Millisecond):
						if _, err := io.WriteString(conn, " "); err != nil {
							return
						}
					}
				}
			}()
			conn.SetReadDeadline(time.Now().Add(time.Minute)) // hang guard
			_, err := io.Copy(io.Discard, conn)
			cut <- err
		}()
	}

	// While they hold the server, health still answers.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // hang guard
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("/healthz with %d slow bodies pending: %v", slow, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d, want 200", resp.StatusCode)
	}

	// Every slow body is cut by the server: the connection ends without
	// the hang guard.
	wg.Wait()
	close(cut)
	for err := range cut {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("a slow body was never cut: the client's hang guard ended it")
		}
	}
	if m := flight.max.Load(); m > maxConns {
		t.Errorf("%d requests were handled at once, more than the %d connections allowed", m, maxConns)
	}
}

// TestEventStreamOutlivesWriteTimeout: a task's event stream extends its
// own write deadline, so it runs to the completion event however short
// the server's write timeout.
func TestEventStreamOutlivesWriteTimeout(t *testing.T) {
	const waitTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: slow}
spec:
  owner: group:default/team-a
  type: service
  parameters: []
  steps:
    - {id: wait, action: debug:wait, input: {milliseconds: 600}}
    - {id: log, action: debug:log, input: {message: done waiting}}
`
	var h http.Handler
	capture := func(inner http.Handler) http.Handler { h = inner; return inner }
	newScaffolderServerWith(t, waitTemplate, web.Options{Dev: true}, capture)
	l := web.DefaultLimits()
	l.WriteTimeout = 100 * time.Millisecond
	base := serveLimited(t, h, l)

	resp, err := http.Post(base+"/api/scaffolder/v2/tasks", "application/json", strings.NewReader(`{"templateRef":"template:default/slow","values":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(body)), `{"id":"`), `"}`)
	if resp.StatusCode != http.StatusCreated || id == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // hang guard
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/scaffolder/v2/tasks/"+id+"/eventstream", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, ev)
		}
	}
	if len(events) == 0 || events[len(events)-1] != "completion" {
		t.Errorf("event stream ended with %v (%v), want the completion event", events, sc.Err())
	}
}
