package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"callboard/web"
)

// TestScaffolderTaskCancelRetryOwnerOnly: only a task's creator may cancel
// or retry it (a retry runs with the creator's secrets); dev mode lets anyone.
func TestScaffolderTaskCancelRetryOwnerOnly(t *testing.T) {
	const sc = "/api/scaffolder/v2"
	srv := newScaffolderServerWith(t, helloTemplate, web.Options{Tokens: map[string]string{"t0k": "ci", "m4l": "mallory"}}, nil)
	resp, body := do(t, srv, "POST", sc+"/tasks", "t0k", map[string]any{"templateRef": "template:default/hello", "values": map[string]any{"name": "bob"}})
	var created struct{ ID string }
	if json.Unmarshal(body, &created); resp.StatusCode != http.StatusCreated || created.ID == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	for _, verb := range []string{"cancel", "retry"} {
		resp, body := do(t, srv, "POST", sc+"/tasks/"+created.ID+"/"+verb, "m4l", nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "external:mallory") {
			t.Errorf("%s by another user: %d %s, want 403", verb, resp.StatusCode, body)
		}
	}
	if resp, body := do(t, srv, "POST", sc+"/tasks/nope/cancel", "m4l", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("cancel of an unknown task: %d %s, want 404", resp.StatusCode, body)
	}
	// The creator passes the check: cancel answers; retry reopens the task
	// (201), or, when the quick task completed before the cancel reached
	// it, the service refuses a completed task (409) - never 403.
	if resp, body := do(t, srv, "POST", sc+"/tasks/"+created.ID+"/cancel", "t0k", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("cancel by the creator: %d %s", resp.StatusCode, body)
	}
	waitTask(t, srv, created.ID, "t0k")
	if resp, body := do(t, srv, "POST", sc+"/tasks/"+created.ID+"/retry", "t0k", nil); resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusConflict {
		t.Errorf("retry by the creator: %d %s, want 201 (or 409 if it had completed)", resp.StatusCode, body)
	}

	dev := newScaffolderServerWith(t, helloTemplate, web.Options{Dev: true, Tokens: map[string]string{"t0k": "ci", "m4l": "mallory"}}, nil)
	resp, body = do(t, dev, "POST", sc+"/tasks", "t0k", map[string]any{"templateRef": "template:default/hello", "values": map[string]any{"name": "bob"}})
	if json.Unmarshal(body, &created); resp.StatusCode != http.StatusCreated {
		t.Fatalf("dev create: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, dev, "POST", sc+"/tasks/"+created.ID+"/cancel", "m4l", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("dev-mode cancel by another user: %d %s", resp.StatusCode, body)
	}
}
