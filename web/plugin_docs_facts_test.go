package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"callboard/techdocs/docsync"
)

// TestDocsFacts: the Docs plugin's facts for scorecards, from the
// published sites: built just now, never built, no docs at all.
func TestDocsFacts(t *testing.T) {
	facts := func(t *testing.T, b *docsBundle, name string) map[string]string {
		t.Helper()
		resp, err := http.Get(b.srv.URL + "/api/facts/by-name/component/default/" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var got struct {
			Facts []struct {
				Source, Key string
				Value       any
			}
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("facts of %s = %d %s", name, resp.StatusCode, body)
		}
		out := map[string]string{}
		for _, f := range got.Facts {
			if f.Source == "docs" {
				out[f.Key] = fmt.Sprint(f.Value)
			}
		}
		return out
	}
	built := newReaderServer(t, docsync.BuilderLocal)
	got := facts(t, built, "payment-service")
	if got["published"] != "true" || got["builds"] != "true" || got["ageDays"] != "0" || got["builtAt"] == "" || got["lastError"] != "" {
		t.Errorf("built site facts = %v", got)
	}
	if got := facts(t, built, "risk-engine"); len(got) != 0 {
		t.Errorf("no techdocs-ref, facts = %v", got)
	}
	never := newReaderServer(t, docsync.BuilderExternal)
	if got := facts(t, never, "payment-service"); got["published"] != "false" || got["builds"] != "false" || got["ageDays"] != "" {
		t.Errorf("unpublished site facts = %v", got)
	}
}
