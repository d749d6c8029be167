package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/auth/policy"
	"callboard/catalog"
	"callboard/store"
	"callboard/store/storetest"
	"callboard/urlread"
	"callboard/web"
)

// The attacks of the security review on a production-mode build (no dev
// mode, the default policy, static tokens for non-admin CI callers and a
// signed-in admin), and what the server answers now.

// callAs sends a request with a bearer token ("" for none) and, for the
// test principals of withTestPrincipal, X-Test-User ("" for none).
func callAs(t *testing.T, srv *httptest.Server, method, path, token, user string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// newProductionServer serves an empty catalog that registers url
// locations from loopback servers, outside dev mode, under the default
// policy, with static tokens "tok-a" (external:ci-a) and "tok-b"
// (external:ci-b); X-Test-User: admin is a signed-in admin.
func newProductionServer(t *testing.T) (*httptest.Server, *store.DB) {
	t.Helper()
	db := storetest.Open(t)
	cat := catalog.New(db, catalog.Options{
		Rules:  []catalog.Rule{{Allow: []string{"Component", "Location"}}},
		Reader: &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules("127.0.0.1:1-65535")}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Default(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{
		Tokens:     map[string]string{"tok-a": "ci-a", "tok-b": "ci-b"},
		Authorizer: pol,
		Audit:      db,
	})
	srv := httptest.NewServer(withTestPrincipal(h))
	t.Cleanup(srv.Close)
	return srv, db
}

// componentAt serves a descriptor of component name with the given owner
// and description, returning its URL.
func componentAt(t *testing.T, name, owner, description string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	doc := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: " + name + ", description: " + description +
		"}\nspec: {type: service, lifecycle: production, owner: " + owner + "}\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return serveFile(t, path)
}

// TestAttackLocationRepointByOtherCaller: the CI token moved an admin's
// location to its own URL and took over the entity. PUT
// /api/catalog/locations/{id} is catalog.location.update now, which the
// default policy gives to the location's creator and to admins; every
// attempt is audited.
func TestAttackLocationRepointByOtherCaller(t *testing.T) {
	srv, db := newProductionServer(t)
	const loc = "/api/catalog/locations"
	status, body := callAs(t, srv, "POST", loc, "tok-a", "", map[string]string{"type": "url", "target": componentAt(t, "payments", "group:default/team-a", "A's service")})
	var created struct{ Location struct{ ID string } }
	if json.Unmarshal([]byte(body), &created); status != http.StatusCreated || created.Location.ID == "" {
		t.Fatalf("A registers: %d %s", status, body)
	}
	id := created.Location.ID
	entity := func() string {
		_, body := callAs(t, srv, "GET", "/api/catalog/entities/by-name/component/default/payments", "tok-a", "", nil)
		return body
	}
	hijack := map[string]string{"type": "url", "target": componentAt(t, "payments", "group:default/attackers", "taken over")}

	status, body = callAs(t, srv, "PUT", loc+"/"+id, "tok-b", "", hijack)
	if status != http.StatusForbidden || !strings.Contains(body, "catalog.location.update") {
		t.Errorf("B re-points A's location: %d %s, want 403 naming catalog.location.update", status, body)
	}
	if e := entity(); strings.Contains(e, "taken over") || !strings.Contains(e, "team-a") {
		t.Errorf("after B's attempt the entity changed: %s", e)
	}
	// Nor may an anonymous caller; its creator and admins may.
	if status, _ := callAs(t, srv, "PUT", loc+"/"+id, "", "", hijack); status != http.StatusUnauthorized {
		t.Errorf("anonymous re-point: %d, want 401", status)
	}
	for _, tc := range []struct {
		name, token, user, component string
	}{
		{"its creator", "tok-a", "", "payments-v2"},
		{"an admin", "", "admin", "payments-v3"},
	} {
		status, body := callAs(t, srv, "PUT", loc+"/"+id, tc.token, tc.user, map[string]string{"type": "url", "target": componentAt(t, tc.component, "group:default/team-a", "moved")})
		if status != http.StatusOK {
			t.Errorf("%s re-points: %d %s, want 200", tc.name, status, body)
		} else if status, body := callAs(t, srv, "GET", "/api/catalog/entities/by-name/component/default/"+tc.component, "tok-a", "", nil); status != http.StatusOK {
			t.Errorf("after %s re-pointed, %s: %d %s", tc.name, tc.component, status, body)
		}
	}
	events, err := db.AuditEvents(t.Context(), callboard.AuditFilter{Action: callboard.PermLocationUpdate})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		got = append(got, ev.Actor+" "+string(ev.Outcome))
	}
	want := "user:default/root success|external:ci-a success|external:ci-b denied"
	if strings.Join(got, "|") != want {
		t.Errorf("audit of catalog.location.update = %q, want %q (newest first)", strings.Join(got, "|"), want)
	}
}

// TestAttackAnonymousReadsProduction: outside dev mode anonymous callers
// read the whole catalog, every task with its parameters and every task's
// events. Now every API route answers 401 and every page sends them to
// sign in, except health, sign-in, static assets and webhooks;
// backend.auth.dangerouslyDisableDefaultAuthPolicy (dev mode) opens them.
func TestAttackAnonymousReadsProduction(t *testing.T) {
	pol, err := policy.Default(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	srv := newScaffolderServerWith(t, helloTemplate, web.Options{Tokens: map[string]string{"t0k": "ci"}, Authorizer: pol}, nil)
	const sc = "/api/scaffolder/v2/tasks"
	status, body := callAs(t, srv, "POST", sc, "t0k", "", map[string]any{"templateRef": "template:default/hello", "values": map[string]any{"name": "secret"}})
	var created struct{ ID string }
	if json.Unmarshal([]byte(body), &created); status != http.StatusCreated {
		t.Fatalf("create a task: %d %s", status, body)
	}
	waitTask(t, srv, created.ID, "t0k")
	task := sc + "/" + created.ID
	for _, path := range []string{
		"/api/catalog/entities", "/api/catalog/entities/by-query", "/api/catalog/entities/by-name/template/default/hello",
		"/api/catalog/locations", "/api/catalog/entity-facets?facet=kind",
		sc, task, task + "/events", task + "/eventstream",
		"/api/scaffolder/v2/actions", "/api/scaffolder/v2/templates/default/template/hello/parameter-schema",
		"/api/techdocs/metadata/entity/default/component/x", "/api/audit/events", "/api/nothing-here",
	} {
		status, body := callAs(t, srv, "GET", path, "", "", nil)
		if status != http.StatusUnauthorized || !strings.Contains(body, "AuthenticationError") || strings.Contains(body, "secret") {
			t.Errorf("anonymous GET %s: %d %.200s, want 401", path, status, body)
		}
	}
	if status, _ := callAs(t, srv, "POST", "/api/catalog/entities/by-query", "", "", map[string]any{}); status != http.StatusUnauthorized {
		t.Errorf("anonymous POST by-query: %d, want 401", status)
	}
	for _, path := range []string{"/", "/catalog?kind=component", "/create", "/create/tasks", "/create/tasks/" + created.ID, "/docs", "/catalog/default/template/hello", "/settings"} {
		resp, err := noRedirect.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := "/signin?redirect=" + strings.NewReplacer("/", "%2F", "?", "%3F", "=", "%3D").Replace(path)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want || strings.Contains(string(b), "secret") {
			t.Errorf("anonymous page %s: %d to %q, want 303 to %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	// Open: health, sign-in, static assets and webhooks (which their sink
	// verifies); these answer, whatever they answer, without asking who.
	for _, tc := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/.backstage/health/v1/readiness"}, {"GET", "/.backstage/health/v1/liveness"},
		{"GET", "/signin"}, {"GET", "/static/app.css"}, {"GET", "/static/techdocs.css"},
		{"GET", "/api/auth/github/start"}, {"POST", "/api/events/http/github"},
	} {
		if status, body := callAs(t, srv, tc.method, tc.path, "", "", nil); status == http.StatusUnauthorized || status == http.StatusSeeOther {
			t.Errorf("anonymous %s %s: %d %.200s, want it open", tc.method, tc.path, status, body)
		}
	}
	// Paths that only look open are not.
	if status, _ := callAs(t, srv, "GET", "/static/../api/catalog/entities", "", "", nil); status == http.StatusOK {
		t.Errorf("GET /static/../api/catalog/entities: %d, want no entities", status)
	}
	// A caller passes.
	if status, body := callAs(t, srv, "GET", task+"/events", "t0k", "", nil); status != http.StatusOK || !strings.Contains(body, "completion") {
		t.Errorf("the creator reads the events: %d %.200s", status, body)
	}

	// backend.auth.dangerouslyDisableDefaultAuthPolicy: true is dev mode
	// (cmd/callboard): reads are open again.
	open := newScaffolderServerWith(t, helloTemplate, web.Options{Dev: true, Tokens: map[string]string{"t0k": "ci"}}, nil)
	for _, path := range []string{"/api/catalog/entities", sc, "/create/tasks"} {
		if status, body := callAs(t, open, "GET", path, "", "", nil); status != http.StatusOK {
			t.Errorf("anonymous GET %s with the default auth policy disabled: %d %.200s, want 200", path, status, body)
		}
	}
}

// TestAttackTaskReadByOtherUser: any caller read every task with its
// parameters and events. scaffolder.task.read is decided per task now: its
// creator and admins by default (Backstage's isTaskOwner), on the list,
// the task, its events, its event stream and the task pages.
func TestAttackTaskReadByOtherUser(t *testing.T) {
	pol, err := policy.Default(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{"tok-a": "ci-a", "tok-b": "ci-b"}
	srv := newScaffolderServerWith(t, helloTemplate, web.Options{Tokens: tokens, Authorizer: pol}, withTestPrincipal)
	const sc = "/api/scaffolder/v2/tasks"
	status, body := callAs(t, srv, "POST", sc, "tok-a", "", map[string]any{"templateRef": "template:default/hello", "values": map[string]any{"name": "hush"}})
	var created struct{ ID string }
	if json.Unmarshal([]byte(body), &created); status != http.StatusCreated {
		t.Fatalf("A creates a task: %d %s", status, body)
	}
	waitTask(t, srv, created.ID, "tok-a")
	task := sc + "/" + created.ID
	for _, path := range []string{task, task + "/events", task + "/eventstream", "/create/tasks/" + created.ID} {
		status, body := callAs(t, srv, "GET", path, "tok-b", "", nil)
		if status != http.StatusForbidden || !strings.Contains(body, "scaffolder.task.read") || strings.Contains(body, "hush") {
			t.Errorf("B GET %s: %d %.200s, want 403", path, status, body)
		}
		for _, who := range []struct{ token, user string }{{"tok-a", ""}, {"", "admin"}} {
			if status, body := callAs(t, srv, "GET", path, who.token, who.user, nil); status != http.StatusOK || !strings.Contains(body, "hush") {
				t.Errorf("%s%s GET %s: %d %.200s, want 200 with the task", who.token, who.user, path, status, body)
			}
		}
	}
	// Lists hold only what the caller may read, counted in the query.
	for _, tc := range []struct {
		name, token, user, query string
		want                     int
	}{
		{"B's list", "tok-b", "", "", 0},
		{"B asks for A's tasks", "tok-b", "", "?createdBy=external:ci-a", 0},
		{"A's list", "tok-a", "", "", 1},
		{"the admin's list", "", "admin", "", 1},
	} {
		status, body := callAs(t, srv, "GET", sc+tc.query, tc.token, tc.user, nil)
		var list struct {
			Tasks      []struct{ ID string }
			TotalTasks int
		}
		if json.Unmarshal([]byte(body), &list); status != http.StatusOK || list.TotalTasks != tc.want || len(list.Tasks) != tc.want {
			t.Errorf("%s: %d %.200s, want %d tasks", tc.name, status, body, tc.want)
		}
	}
	if _, body := callAs(t, srv, "GET", "/create/tasks", "tok-b", "", nil); strings.Contains(body, created.ID[:8]) {
		t.Errorf("B's task page lists A's task")
	}
	if _, body := callAs(t, srv, "GET", "/create/tasks", "tok-a", "", nil); !strings.Contains(body, created.ID[:8]) {
		t.Errorf("A's task page does not list A's task")
	}
}
