package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"callboard"
	"callboard/web"
)

// signedSink accepts deliveries whose X-Signature header is "ok".
type signedSink struct{ got []string }

func (s *signedSink) Event(ctx context.Context, topic string, h http.Header, body []byte) error {
	if h.Get("X-Signature") != "ok" {
		return callboard.Errorf(callboard.Unauthenticated, "bad signature")
	}
	s.got = append(s.got, topic+" "+string(body))
	return nil
}

func TestEventsEndpoint(t *testing.T) {
	sink := &signedSink{}
	srv := newTestServer(t, web.Options{Events: sink}, 0)
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
	if code := post("ok"); code != http.StatusAccepted || len(sink.got) != 1 || sink.got[0] != `github {"zen":"x"}` {
		t.Fatalf("signed: %d %v", code, sink.got)
	}
	none := newTestServer(t, web.Options{}, 0)
	if resp, _ := do(t, none, "POST", "/api/events/http/github", "", map[string]string{}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("no sink: %d", resp.StatusCode)
	}
}
