package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"callboard/auth/policy"
	"callboard/web"
)

// scaffolderPolicy: internal templates are visible to their owners only;
// a template's form is for its owners; bob may read no task; the rest is
// everyone's.
const scaffolderPolicy = `
rules:
  - name: internal templates are for their owners
    permission: catalog.entity.read
    entity: { allOf: [ { type: internal }, { not: { isEntityOwner: true } } ] }
    decision: deny
  - name: forms are for the template's owners
    permission: scaffolder.template.parameter.read
    entity: { isEntityOwner: true }
    decision: allow
  - name: bob reads no tasks
    permission: scaffolder.task.read
    user: { ref: bob }
    decision: deny
  - name: the rest is everyone's
    permission: [catalog.entity.read, scaffolder.task.read, scaffolder.task.create, scaffolder.action.execute]
    decision: allow
`

// scaffolderTemplates: hello (team-a's), other (team-b's) and hidden (an
// internal template of team-b).
var scaffolderTemplates = helloTemplate + `---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: other}
spec: {owner: group:default/team-b, type: website, parameters: [{properties: {x: {type: string}}}], steps: []}
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: hidden}
spec: {owner: group:default/team-b, type: internal, parameters: [{properties: {x: {type: string}}}], steps: []}
`

func newScaffolderPermServer(t *testing.T) *httptest.Server {
	t.Helper()
	az, err := policy.Parse("policy.yaml", []byte(scaffolderPolicy))
	if err != nil {
		t.Fatal(err)
	}
	return newScaffolderServerWith(t, scaffolderTemplates, web.Options{Dev: true, Authorizer: az}, withTestPrincipal)
}

// fetchAs sends a request as user ("" for anonymous) and returns the
// status and body.
func fetchAs(t *testing.T, srv *httptest.Server, user, method, path string, body any) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // a hang guard for event streams
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPermissionScaffolderTemplateReads(t *testing.T) {
	srv := newScaffolderPermServer(t)
	const sc = "/api/scaffolder/v2/templates/default/template/"
	for _, tc := range []struct {
		user, name string
		status     int
		message    string
	}{
		{"jane", "hello", 200, ""},
		{"jane", "other", 403, "scaffolder.template.parameter.read"},
		{"jane", "hidden", 404, "No entity named"},
		{"bob", "hello", 403, "user:default/bob is not allowed to read the parameters of template:default/hello"},
		{"bob", "other", 200, ""},
		{"bob", "hidden", 200, ""},
		{"", "hello", 403, "an anonymous caller"},
		{"", "hidden", 404, ""},
	} {
		status, body := fetchAs(t, srv, tc.user, "GET", sc+tc.name+"/parameter-schema", nil)
		if status != tc.status || !strings.Contains(body, tc.message) {
			t.Errorf("%q: parameter-schema of %s: %d %s, want %d with %q", tc.user, tc.name, status, body, tc.status, tc.message)
		}
		// The portal's form page answers alike.
		status, body = fetchAs(t, srv, tc.user, "GET", "/create/templates/default/"+tc.name, nil)
		if status != tc.status || !strings.Contains(body, tc.message) {
			t.Errorf("%q: form page of %s: %d, want %d with %q", tc.user, tc.name, status, tc.status, tc.message)
		}
	}
}

func TestPermissionScaffolderTaskReads(t *testing.T) {
	srv := newScaffolderPermServer(t)
	const sc = "/api/scaffolder/v2/tasks"
	status, body := fetchAs(t, srv, "jane", "POST", sc, map[string]any{"templateRef": "template:default/hello", "values": map[string]any{"name": "jane"}})
	var created struct{ ID string }
	if json.Unmarshal([]byte(body), &created); status != http.StatusCreated || created.ID == "" {
		t.Fatalf("POST tasks as jane: %d %s", status, body)
	}
	// jane follows her task to the end; the other reads work too.
	if status, body := fetchAs(t, srv, "jane", "GET", sc+"/"+created.ID+"/eventstream", nil); status != 200 || !strings.Contains(body, "event: completion") {
		t.Fatalf("jane's event stream: %d %s", status, body)
	}
	for _, path := range []string{sc, sc + "/" + created.ID, sc + "/" + created.ID + "/events", "/create/tasks", "/create/tasks/" + created.ID} {
		if status, body := fetchAs(t, srv, "jane", "GET", path, nil); status != 200 || !strings.Contains(body, created.ID) {
			t.Errorf("jane GET %s: %d, want 200 naming the task", path, status)
		}
		if status, body := fetchAs(t, srv, "bob", "GET", path, nil); status != 403 || !strings.Contains(body, "scaffolder.task.read") || strings.Contains(body, "user:default/jane") {
			t.Errorf("bob GET %s: %d %s, want 403 naming scaffolder.task.read", path, status, body)
		}
	}
	if status, body := fetchAs(t, srv, "bob", "GET", sc+"/"+created.ID+"/eventstream", nil); status != 403 || strings.Contains(body, "event:") {
		t.Errorf("bob's event stream: %d %s, want 403", status, body)
	}
}
