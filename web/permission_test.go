package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"callboard"
	"callboard/auth/policy"
	"callboard/catalog"
	"callboard/store"
	"callboard/store/storetest"
	"callboard/web"
)

// permPolicy lets users read what they own plus every API, delete what
// they own, register locations when signed in; admins read the audit log.
const permPolicy = `
rules:
  - name: admins read the audit log
    permission: audit.read
    user: { groups: [admins] }
    decision: allow
  - name: owners and APIs
    permission: catalog.entity.read
    entity: { anyOf: [ { isEntityOwner: true }, { kind: API } ] }
    decision: allow
  - name: owners delete
    permission: [catalog.entity.delete, catalog.entity.refresh]
    entity: { isEntityOwner: true }
    decision: allow
  - name: signed-in users read locations
    permission: catalog.location.read
    user: { authenticated: true }
    decision: allow
  - name: signed-in users register
    permission: catalog.location.create
    user: { authenticated: true }
    decision: allow
`

var testPrincipals = map[string]callboard.Principal{
	"jane":  {Subject: "user:default/jane", Ownership: []string{"user:default/jane", "group:default/team-a"}},
	"bob":   {Subject: "user:default/bob", Ownership: []string{"user:default/bob", "group:default/team-b"}},
	"admin": {Subject: "user:default/root", Ownership: []string{"user:default/root", "group:default/admins"}},
}

// withTestPrincipal stands in for the sign-in middleware: the X-Test-User
// header names the principal.
func withTestPrincipal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := testPrincipals[r.Header.Get("X-Test-User")]; ok {
			r = r.WithContext(callboard.WithPrincipal(r.Context(), p))
		}
		h.ServeHTTP(w, r)
	})
}

type permEnv struct {
	srv  *httptest.Server
	db   *store.DB
	cat  *catalog.Service
	file string // the catalog file all entities come from
}

// newPermServer serves 100 components, 30 owned by team-a and 70 by
// team-b, and one API owned by team-b, under permPolicy.
func newPermServer(t *testing.T) permEnv { return newPermServerWith(t, permPolicy) }

// newPermServerWith serves newPermServer's catalog under policy pol.
func newPermServerWith(t *testing.T, pol string) permEnv {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: shared-api}\nspec: {type: openapi, lifecycle: production, owner: team-b, definition: x}\n")
	for i := range 100 {
		owner := "team-b"
		if i%10 < 3 {
			owner = "team-a"
		}
		fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-%03d}\nspec: {type: service, lifecycle: production, owner: %s}\n", i, owner)
	}
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	cat := catalog.New(db, catalog.Options{
		OrphanStrategy: "keep", // so that the entity page's Delete can be tested
		Locations:      []catalog.StaticLocation{{Type: "file", Target: path}},
		Rules:          []catalog.Rule{{Allow: []string{"Component", "Location", "API"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	az, err := policy.Parse("policy.yaml", []byte(pol))
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true, Authorizer: az, Audit: db})
	srv := httptest.NewServer(withTestPrincipal(h))
	t.Cleanup(srv.Close)
	return permEnv{srv: srv, db: db, cat: cat, file: path}
}

// call sends a request as user ("" for anonymous) and decodes a JSON answer.
func (env permEnv) call(t *testing.T, user, method, path string, body any, wantStatus int, into any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, env.srv.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-User", user)
	req.Header.Set("X-Request-Id", "req-"+user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s as %q: status %d, want %d; body %s", method, path, user, resp.StatusCode, wantStatus, got)
	}
	if into != nil {
		if err := json.Unmarshal(got, into); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, got)
		}
	}
}

func ownedByTeamA(t *testing.T, names []string) {
	t.Helper()
	for _, n := range names {
		var i int
		if _, err := fmt.Sscanf(n, "svc-%03d", &i); err != nil || i%10 >= 3 {
			t.Errorf("%s is not one of team-a's components", n)
		}
	}
}

// TestPermissionReadFilterPagesHaveNoHoles pages through 100 components of
// which jane may read 30: three full pages of 10, totals of 30, no more.
func TestPermissionReadFilterPagesHaveNoHoles(t *testing.T) {
	env := newPermServer(t)
	var seen []string
	path := "/api/catalog/entities/by-query?filter=kind=component&orderField=metadata.name,asc&limit=10"
	for page := 1; ; page++ {
		var r queryResponse
		env.call(t, "jane", "GET", path, nil, 200, &r)
		if r.TotalItems != 30 {
			t.Fatalf("page %d: totalItems %d, want 30", page, r.TotalItems)
		}
		if len(r.Items) != 10 {
			t.Fatalf("page %d has %d items, want 10", page, len(r.Items))
		}
		seen = append(seen, names(r)...)
		next := r.PageInfo["nextCursor"]
		if next == "" {
			if page != 3 {
				t.Fatalf("last page is %d, want 3", page)
			}
			break
		}
		path = "/api/catalog/entities/by-query?limit=10&cursor=" + next
	}
	ownedByTeamA(t, seen)
	if len(slices.Compact(slices.Clone(seen))) != 30 {
		t.Errorf("saw %d distinct entities, want 30", len(slices.Compact(seen)))
	}

	// The predicate query, with the client's own condition ANDed in.
	var p queryResponse
	env.call(t, "jane", "POST", "/api/catalog/entities/by-query", map[string]any{
		"query": map[string]any{"kind": "component"}, "limit": 10, "offset": 20,
	}, 200, &p)
	if p.TotalItems != 30 || len(p.Items) != 10 || p.PageInfo["nextCursor"] != "" {
		t.Errorf("predicate page 3: total %d, %d items, pageInfo %v", p.TotalItems, len(p.Items), p.PageInfo)
	}
	ownedByTeamA(t, names(p))
	// A client asking for everything still gets only its share.
	env.call(t, "jane", "POST", "/api/catalog/entities/by-query", map[string]any{
		"query": map[string]any{"$not": map[string]any{"kind": "location"}}, "limit": 100,
	}, 200, &p)
	if p.TotalItems != 31 {
		t.Errorf("everything but locations: total %d, want 31 (30 components and the API)", p.TotalItems)
	}

	// Legacy list with its Link header.
	var list []map[string]any
	env.call(t, "jane", "GET", "/api/catalog/entities?filter=kind=component", nil, 200, &list)
	if len(list) != 30 {
		t.Errorf("GET /entities: %d items, want 30", len(list))
	}
	env.call(t, "bob", "GET", "/api/catalog/entities?filter=kind=component", nil, 200, &list)
	if len(list) != 70 {
		t.Errorf("GET /entities as bob: %d items, want 70", len(list))
	}
	env.call(t, "", "GET", "/api/catalog/entities", nil, 200, &list)
	if len(list) != 1 {
		t.Errorf("GET /entities as anonymous: %d items, want only the API", len(list))
	}

	// Facets count only the visible.
	var facets struct {
		Facets map[string][]struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"facets"`
	}
	env.call(t, "jane", "GET", "/api/catalog/entity-facets?facet=kind", nil, 200, &facets)
	if got := fmt.Sprint(facets.Facets["kind"]); got != "[{API 1} {Component 30}]" {
		t.Errorf("kind facets = %s", got)
	}
	env.call(t, "jane", "POST", "/api/catalog/entity-facets", map[string]any{"facets": []string{"spec.owner"}, "query": map[string]any{"kind": "component"}}, 200, &facets)
	if got := fmt.Sprint(facets.Facets["spec.owner"]); got != "[{team-a 30}]" {
		t.Errorf("owner facets = %s", got)
	}
}

func TestPermissionSingleEntityReads(t *testing.T) {
	env := newPermServer(t)
	env.call(t, "jane", "GET", "/api/catalog/entities/by-name/component/default/svc-000", nil, 200, nil)
	env.call(t, "jane", "GET", "/api/catalog/entities/by-name/component/default/svc-005", nil, 404, nil)
	env.call(t, "jane", "GET", "/api/catalog/entities/by-name/component/default/svc-005/ancestry", nil, 404, nil)
	env.call(t, "jane", "GET", "/api/catalog/locations/by-entity/component/default/svc-005", nil, 404, nil)
	env.call(t, "jane", "GET", "/api/catalog/locations", nil, 200, nil)
	env.call(t, "", "GET", "/api/catalog/locations", nil, 403, nil)
	env.call(t, "", "POST", "/api/catalog/locations/by-query", map[string]any{}, 403, nil)
	env.call(t, "bob", "GET", "/api/catalog/entities/by-name/component/default/svc-005", nil, 200, nil)
	// The portal's entity page too.
	env.call(t, "jane", "GET", "/catalog/default/component/svc-005", nil, 404, nil)

	var e callboard.Entity
	env.call(t, "bob", "GET", "/api/catalog/entities/by-name/component/default/svc-005", nil, 200, &e)
	env.call(t, "jane", "GET", "/api/catalog/entities/by-uid/"+e.Metadata.UID, nil, 404, nil)

	var refs struct {
		Items []*callboard.Entity `json:"items"`
	}
	env.call(t, "jane", "POST", "/api/catalog/entities/by-refs", map[string]any{
		"entityRefs": []string{"component:default/svc-000", "component:default/svc-005", "api:default/shared-api"},
	}, 200, &refs)
	if len(refs.Items) != 3 || refs.Items[0] == nil || refs.Items[1] != nil || refs.Items[2] == nil {
		t.Errorf("by-refs = %v, want [svc-000, null, shared-api]", refs.Items)
	}
}

func TestPermissionDeniedWritesAndAudit(t *testing.T) {
	env := newPermServer(t)
	var api callboard.Entity
	env.call(t, "jane", "GET", "/api/catalog/entities/by-name/api/default/shared-api", nil, 200, &api)

	// jane sees the API but team-b owns it.
	var e struct {
		Error struct{ Name, Message string } `json:"error"`
	}
	env.call(t, "jane", "DELETE", "/api/catalog/entities/by-uid/"+api.Metadata.UID, nil, 403, &e)
	if e.Error.Name != "NotAllowedError" || !strings.Contains(e.Error.Message, "catalog.entity.delete") {
		t.Errorf("403 body = %+v", e.Error)
	}
	env.call(t, "jane", "GET", "/api/catalog/entities/by-name/api/default/shared-api", nil, 200, nil)
	env.call(t, "jane", "POST", "/api/catalog/refresh", map[string]any{"entityRef": "api:default/shared-api"}, 403, nil)
	env.call(t, "", "POST", "/api/catalog/locations", map[string]any{"type": "url", "target": "https://example.com/x.yaml"}, 403, nil)
	env.call(t, "bob", "DELETE", "/api/catalog/entities/by-uid/"+api.Metadata.UID, nil, 204, nil)
	env.call(t, "bob", "GET", "/api/catalog/entities/by-name/api/default/shared-api", nil, 404, nil)

	// The audit log has each attempt; only admins read it.
	env.call(t, "jane", "GET", "/api/audit/events", nil, 403, nil)
	var got struct {
		Items []callboard.AuditEvent `json:"items"`
	}
	env.call(t, "admin", "GET", "/api/audit/events", nil, 200, &got)
	var lines []string
	for _, ev := range got.Items {
		lines = append(lines, strings.Join([]string{ev.Actor, ev.Action, ev.Target, ev.Outcome, ev.RequestID}, " "))
	}
	want := []string{
		"user:default/jane audit.read the audit log denied req-jane",
		"user:default/bob catalog.entity.delete api:default/shared-api success req-bob",
		" catalog.location.create url:https://example.com/x.yaml denied req-",
		"user:default/jane catalog.entity.refresh api:default/shared-api denied req-jane",
		"user:default/jane catalog.entity.delete api:default/shared-api denied req-jane",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("audit events:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	env.call(t, "admin", "GET", "/api/audit/events?actor=user:default/jane&action=catalog.entity.*&limit=1", nil, 200, &got)
	if len(got.Items) != 1 || got.Items[0].Action != "catalog.entity.refresh" {
		t.Errorf("filtered audit events = %+v", got.Items)
	}
	env.call(t, "admin", "GET", "/api/audit/events?since=yesterday", nil, 400, nil)
}

// TestAnalyzeNeedsLocationCreate: analysing a location reads it as
// registering would, so the API and the portal preview need
// catalog.location.create (permPolicy grants it to signed-in users only).
func TestAnalyzeNeedsLocationCreate(t *testing.T) {
	env := newPermServer(t)
	body := map[string]any{"location": map[string]string{"type": "url", "target": "not a url"}}
	env.call(t, "", "POST", "/api/catalog/analyze-location", body, 403, nil)
	env.call(t, "jane", "POST", "/api/catalog/analyze-location", body, 400, nil)

	// Port 1 is not an allowed host: a signed-in user gets the reader's
	// refusal inline, an anonymous one the policy's 403 before any read.
	form := url.Values{"target": {"http://127.0.0.1:1/catalog-info.yaml"}}
	if resp, _ := postForm(t, env.srv, "/catalog-import/analyze", form, nil); resp.StatusCode != 403 {
		t.Errorf("anonymous portal analyze: %d, want 403", resp.StatusCode)
	}
	if resp, body := postForm(t, env.srv, "/catalog-import/analyze", form, map[string]string{"X-Test-User": "jane"}); resp.StatusCode != 422 || !strings.Contains(body, "not allowed") {
		t.Errorf("signed-in portal analyze: %d, want 422 with the reader's refusal", resp.StatusCode)
	}
}
