package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/catalog"
	"callboard/store/storetest"
	"callboard/urlread"
	"callboard/web"
)

// newTestServer serves a catalog of one Location file with a group and n
// components, two thirds of them services.
func newTestServer(t *testing.T, opts web.Options, n int) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a, title: Team A}\nspec: {type: team, children: []}\n")
	for i := range n {
		typ := "service"
		if i%3 == 2 {
			typ = "library"
		}
		fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-%02d\n  description: Service number %d\n  tags: [go, t%d]\n  annotations: {example.com/team: a}\nspec: {type: %s, lifecycle: production, owner: team-a}\n", i, i, i%2, typ)
	}
	path := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(storetest.Open(t), catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: path}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "Group", "Location", "API"}}},
		Reader:    &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules("127.0.0.1:1-65535")}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, opts))
	t.Cleanup(srv.Close)
	return srv
}

func mustGet(t *testing.T, srv *httptest.Server, path string, wantStatus int, into any) http.Header {
	t.Helper()
	return mustGetWith(t, srv, path, "", wantStatus, into)
}

// mustGetWith is mustGet sending token as the bearer token ("" for none).
func mustGetWith(t *testing.T, srv *httptest.Server, path, token string, wantStatus int, into any) http.Header {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body %s", path, resp.StatusCode, wantStatus, body)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
	return resp.Header
}

func do(t *testing.T, srv *httptest.Server, method, path, token string, body any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, srv.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

type queryResponse struct {
	Items []struct {
		Kind     string         `json:"kind"`
		Metadata map[string]any `json:"metadata"`
		Spec     map[string]any `json:"spec"`
	} `json:"items"`
	TotalItems int               `json:"totalItems"`
	PageInfo   map[string]string `json:"pageInfo"`
}

func names(r queryResponse) []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.Metadata["name"].(string))
	}
	return out
}

func TestByQueryPagingAndCursor(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 9)
	var page1 queryResponse
	mustGet(t, srv, "/api/catalog/entities/by-query?filter=kind=component&orderField=metadata.name,desc&limit=4", 200, &page1)
	if page1.TotalItems != 9 {
		t.Errorf("totalItems = %d, want 9", page1.TotalItems)
	}
	if diff := cmp.Diff([]string{"svc-08", "svc-07", "svc-06", "svc-05"}, names(page1)); diff != "" {
		t.Errorf("page 1 (-want +got):\n%s", diff)
	}
	if page1.PageInfo["prevCursor"] != "" || page1.PageInfo["nextCursor"] == "" {
		t.Fatalf("pageInfo = %v, want only nextCursor", page1.PageInfo)
	}
	var page2 queryResponse
	mustGet(t, srv, "/api/catalog/entities/by-query?limit=4&cursor="+page1.PageInfo["nextCursor"], 200, &page2)
	if diff := cmp.Diff([]string{"svc-04", "svc-03", "svc-02", "svc-01"}, names(page2)); diff != "" {
		t.Errorf("page 2 (-want +got):\n%s", diff)
	}
	var back queryResponse
	mustGet(t, srv, "/api/catalog/entities/by-query?limit=4&cursor="+page2.PageInfo["prevCursor"], 200, &back)
	if diff := cmp.Diff(names(page1), names(back)); diff != "" {
		t.Errorf("prevCursor page (-want +got):\n%s", diff)
	}
}

func TestByQueryFiltersFieldsAndFullText(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 9)
	tests := []struct {
		name, query string
		want        int
	}{
		{"kind and type", "filter=kind=component,spec.type=service", 6},
		{"OR across filters", "filter=spec.type=library&filter=kind=group", 4},
		{"IN within a filter", "filter=metadata.name=svc-01,metadata.name=svc-02", 2},
		{"existence", "filter=spec.owner", 9},
		{"tag as key", "filter=metadata.tags.t1", 4},
		{"case-insensitive", "filter=KIND=Component,Spec.Type=SERVICE", 6},
		{"relations", "filter=relations.ownedBy=group:default/team-a", 9},
		{"annotation with slash", "filter=metadata.annotations.example.com/team=a", 9},
		{"full text", "fullTextFilterTerm=number%205&fullTextFilterFields=metadata.description", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r queryResponse
			mustGet(t, srv, "/api/catalog/entities/by-query?"+tc.query, 200, &r)
			if r.TotalItems != tc.want {
				t.Errorf("totalItems = %d, want %d", r.TotalItems, tc.want)
			}
		})
	}
	var r queryResponse
	mustGet(t, srv, "/api/catalog/entities/by-query?filter=metadata.name=svc-01&fields=metadata.name,spec.type", 200, &r)
	if len(r.Items) != 1 || len(r.Items[0].Metadata) != 1 || len(r.Items[0].Spec) != 1 || r.Items[0].Kind != "" {
		t.Errorf("fields projection = %+v, want only metadata.name and spec.type", r.Items)
	}
}

func TestLegacyEntitiesLinkHeader(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 5)
	var first []map[string]any
	h := mustGet(t, srv, "/api/catalog/entities?filter=kind=component&order=asc:metadata.name&limit=3", 200, &first)
	if len(first) != 3 {
		t.Fatalf("got %d entities, want 3", len(first))
	}
	link := h.Get("Link")
	start, end := strings.Index(link, "<"), strings.Index(link, ">")
	if start < 0 || end < start || !strings.Contains(link, `rel="next"`) {
		t.Fatalf("Link = %q, want a next link", link)
	}
	var rest []map[string]any
	h = mustGet(t, srv, link[start+1:end], 200, &rest)
	if len(rest) != 2 || h.Get("Link") != "" {
		t.Errorf("second page: %d entities, Link %q; want 2 and none", len(rest), h.Get("Link"))
	}
	mustGet(t, srv, "/api/catalog/entities?limit=0", 400, nil)
	mustGet(t, srv, "/api/catalog/entities?order=sideways:name", 400, nil)
}

func TestErrorsHaveBackstageShape(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 1)
	var body struct {
		Error    struct{ Name, Message string }
		Request  struct{ Method, URL string }
		Response struct{ StatusCode int }
	}
	mustGet(t, srv, "/api/catalog/entities/by-name/component/default/nope", 404, &body)
	if body.Error.Name != "NotFoundError" || body.Response.StatusCode != 404 || body.Request.Method != "GET" ||
		body.Error.Message != "No entity named 'nope' found, with kind 'component' in namespace 'default'" {
		t.Errorf("error body = %+v", body)
	}
	mustGet(t, srv, "/api/catalog/entities/by-query?filter=,=x", 400, &body)
	if body.Error.Name != "InputError" {
		t.Errorf("bad filter: error name %q, want InputError", body.Error.Name)
	}
	mustGet(t, srv, "/api/catalog/entities/by-query?cursor=garbage!", 400, nil)
}

func TestByNameByRefsAndFacets(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 3)
	var e struct {
		Metadata  struct{ UID string }
		Relations []struct{ Type, TargetRef string }
	}
	mustGet(t, srv, "/api/catalog/entities/by-name/Component/Default/SVC-01", 200, &e)
	if len(e.Relations) != 1 || e.Relations[0].TargetRef != "group:default/team-a" {
		t.Errorf("relations = %+v", e.Relations)
	}
	mustGet(t, srv, "/api/catalog/entities/by-uid/"+e.Metadata.UID, 200, nil)

	resp, b := do(t, srv, "POST", "/api/catalog/entities/by-refs?fields=metadata.name", "", map[string]any{
		"entityRefs": []string{"component:default/svc-02", "component:default/missing", "group:team-a"},
		"fields":     []string{"metadata.name"},
	})
	if resp.StatusCode != 200 {
		t.Fatalf("by-refs status %d: %s", resp.StatusCode, b)
	}
	if got := strings.TrimSpace(string(b)); got != `{"items":[{"metadata":{"name":"svc-02"}},null,{"metadata":{"name":"team-a"}}]}` {
		t.Errorf("by-refs = %s", got)
	}

	var facets struct {
		Facets map[string][]struct {
			Value string
			Count int
		}
	}
	mustGet(t, srv, "/api/catalog/entity-facets?facet=kind&facet=spec.type&filter=kind=component", 200, &facets)
	if got := facets.Facets["kind"]; len(got) != 1 || got[0].Value != "Component" || got[0].Count != 3 {
		t.Errorf("kind facet = %+v, want Component: 3", got)
	}
	if got := facets.Facets["spec.type"]; len(got) != 2 {
		t.Errorf("spec.type facet = %+v, want service and library", got)
	}
}

func TestWritesNeedTokenOutsideDevMode(t *testing.T) {
	srv := newTestServer(t, web.Options{Tokens: map[string]string{"s3cret": "ci"}}, 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "catalog-info.yaml")
	os.WriteFile(path, []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: new-svc}\nspec: {type: service, lifecycle: production, owner: team-a}\n"), 0o644)
	loc := map[string]string{"type": "url", "target": serveFile(t, path)}

	if resp, _ := do(t, srv, "POST", "/api/catalog/locations", "", loc); resp.StatusCode != 401 {
		t.Errorf("POST /locations without token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "POST", "/api/catalog/locations", "wrong", loc); resp.StatusCode != 401 {
		t.Errorf("POST /locations with a wrong token: %d, want 401", resp.StatusCode)
	}
	resp, b := do(t, srv, "POST", "/api/catalog/locations?dryRun=true", "s3cret", loc)
	if resp.StatusCode != 201 || !strings.Contains(string(b), `"exists":false`) {
		t.Fatalf("dry run: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, srv, "POST", "/api/catalog/locations", "s3cret", loc)
	if resp.StatusCode != 201 {
		t.Fatalf("POST /locations: %d %s", resp.StatusCode, b)
	}
	var created struct {
		Location struct{ ID string }
		Entities []any
	}
	json.Unmarshal(b, &created)
	if created.Location.ID == "" || len(created.Entities) != 2 {
		t.Errorf("created = %s, want an id and 2 entities", b)
	}
	if resp, _ := do(t, srv, "POST", "/api/catalog/locations", "s3cret", loc); resp.StatusCode != 409 {
		t.Errorf("duplicate location: %d, want 409", resp.StatusCode)
	}
	var list []struct {
		Data struct{ ID, Type, Target string }
	}
	// Outside dev mode reads need the token too.
	mustGet(t, srv, "/api/catalog/locations", 401, nil)
	mustGetWith(t, srv, "/api/catalog/locations", "s3cret", 200, &list)
	if len(list) != 1 || list[0].Data.Target != loc["target"] {
		t.Errorf("locations = %+v", list)
	}
	mustGetWith(t, srv, "/api/catalog/locations/"+created.Location.ID, "s3cret", 200, nil)
	mustGetWith(t, srv, "/api/catalog/locations/by-entity/component/default/new-svc", "s3cret", 200, nil)
	if resp, _ := do(t, srv, "DELETE", "/api/catalog/locations/"+created.Location.ID, "s3cret", nil); resp.StatusCode != 204 {
		t.Errorf("DELETE location: %d, want 204", resp.StatusCode)
	}
	mustGetWith(t, srv, "/api/catalog/entities/by-name/component/default/new-svc", "s3cret", 404, nil)
	mustGetWith(t, srv, "/api/catalog/locations/"+created.Location.ID, "s3cret", 404, nil)
}

func TestValidateEntity(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 1)
	good := map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
		"metadata": map[string]any{"name": "ok"}, "spec": map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a"}}
	if resp, b := do(t, srv, "POST", "/api/catalog/validate-entity", "", map[string]any{"entity": good, "location": "url:https://example.com/x.yaml"}); resp.StatusCode != 200 {
		t.Errorf("valid entity: %d %s", resp.StatusCode, b)
	}
	bad := map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{"name": "bad name"}, "spec": map[string]any{}}
	resp, b := do(t, srv, "POST", "/api/catalog/validate-entity", "", map[string]any{"entity": bad, "location": "url:https://example.com/x.yaml"})
	if resp.StatusCode != 400 || !strings.Contains(string(b), `"errors"`) || !strings.Contains(string(b), "metadata.name") {
		t.Errorf("invalid entity: %d %s", resp.StatusCode, b)
	}
}

// TestFileLocationsRefusedFromAPI: callers cannot make the server read its
// own files (file or embedded locations) through register, update or
// analyze; nothing of the file is echoed back.
func TestFileLocationsRefusedFromAPI(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 1)
	secret := filepath.Join(t.TempDir(), "secret.yaml")
	os.WriteFile(secret, []byte("root:s3cret-hash:19000:0:99999:7:::\n"), 0o600)
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/catalog/locations?dryRun=true", map[string]string{"type": "file", "target": secret}},
		{"POST", "/api/catalog/locations", map[string]string{"type": "file", "target": secret}},
		{"POST", "/api/catalog/locations", map[string]string{"type": "embedded", "target": "/catalog-info.yaml"}},
		{"POST", "/api/catalog/analyze-location", map[string]any{"location": map[string]string{"type": "file", "target": secret}}},
	} {
		resp, b := do(t, srv, tc.method, tc.path, "", tc.body)
		if resp.StatusCode != 400 || !strings.Contains(string(b), "locations can only be configured in catalog.locations") || strings.Contains(string(b), "s3cret") {
			t.Errorf("%s %s %v: %d %s, want 400 refusing the type", tc.method, tc.path, tc.body, resp.StatusCode, b)
		}
	}
	resp, b := do(t, srv, "PUT", "/api/catalog/locations/any-id", "", map[string]string{"type": "file", "target": secret})
	if resp.StatusCode != 400 || strings.Contains(string(b), "s3cret") {
		t.Errorf("PUT a file location: %d %s, want 400", resp.StatusCode, b)
	}
}
