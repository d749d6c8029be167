package web_test

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/index"
	"callboard/plugin"
	"callboard/store/storetest"
	"callboard/urlread"
	"callboard/web"
)

// getPage fetches a page and returns its status and body.
func getPage(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func postForm(t *testing.T, srv *httptest.Server, path string, form url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPages(t *testing.T) {
	srv, _ := newDemoServer(t, web.Options{Dev: true})
	tests := []struct {
		name, path string
		status     int
		want       []string
		notWant    []string
	}{
		{"home", "/", 200, []string{"Find anything in the catalog", `href="/catalog?kind=component"`, "My team"}, nil},
		{"search page", "/search?q=payment", 200, []string{"payment-service", "matches for"}, nil},
		{"search partial", "/search?q=order&partial=1", 200, []string{`role="option"`, "order-service"}, []string{"<html"}},
		{"catalog", "/catalog", 200, []string{"<table", "payment-service", `name="kind"`, "Owner"}, nil},
		{"apis", "/apis", 200, []string{"payment-api"}, []string{"payment-service</a>"}},
		{"entity overview", "/catalog/default/component/payment-service", 200,
			[]string{"支付服务", "Grafana 监控", "https://grafana.lanting.example/d/payment-service", `href="/catalog/default/group/payments-team"`, "<svg", "pci-scope"}, nil},
		{"entity case-insensitive", "/catalog/default/Component/Payment-Service", 200, []string{"支付服务"}, nil},
		{"relations", "/catalog/default/component/payment-service/relations", 200, []string{"<svg", `href="/catalog/default/resource/payment-db"`, "Depends on"}, nil},
		{"relations depth 2", "/catalog/default/component/payment-service/relations?depth=2", 200, []string{`aria-current="true">2 hops`}, nil},
		{"apis tab", "/catalog/default/component/payment-service/apis", 200, []string{"Provides APIs", "payment-api", "Consumes APIs", "order-api"}, nil},
		{"definition", "/catalog/default/api/payment-api/definition", 200, []string{"/payments/{paymentId}/capture", "Provided by"}, nil},
		{"group", "/catalog/default/group/payments-team", 200, []string{"Members", "Owned entities", "Parent"}, nil},
		{"user", "/catalog/default/user/chen.jing", 200, []string{"Groups"}, nil},
		{"register", "/catalog-import", 200, []string{`name="target"`, "Analyze"}, nil},
		{"unregister static", "/catalog/default/component/payment-service/unregister", 200, []string{"cannot be unregistered here"}, nil},
		{"docs index", "/docs", 200, []string{"payment-service", "No docs publisher"}, nil},
		{"create lists the demo template", "/create", 200, []string{"新建 Go 服务 New Go service", `href="/create/templates/default/lanting-go-service"`}, []string{"No templates yet"}},
		{"settings", "/settings", 200, []string{"dev mode"}, nil},
		{"static css", "/static/app.css", 200, []string{"--cb-accent"}, nil},
		{"no such page", "/nope", 404, []string{"Not found", "there is no page at /nope"}, nil},
		{"no such entity", "/catalog/default/component/nope", 404, []string{"No entity named"}, nil},
		{"no such tab", "/catalog/default/component/payment-service/nope", 404, []string{"has no tab"}, nil},
		{"bad page number", "/catalog?page=-3", 400, []string{"page must be"}, nil},
		{"bad size", "/catalog?size=5000", 400, []string{"size must be"}, nil},
		{"API still JSON", "/api/catalog/nope", 404, []string{`"NotFoundError"`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := getPage(t, srv, tc.path)
			if status != tc.status {
				t.Fatalf("GET %s: status = %d, want %d; body %.300s", tc.path, status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: body lacks %q", tc.path, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("GET %s: body has %q", tc.path, w)
				}
			}
		})
	}
}

// newFileServer serves a catalog of one registered descriptor file, with
// orphans kept so the delete action can be tested; it returns the file's
// URL on a loopback server, as the portal registers URLs only.
func newFileServer(t *testing.T, opts web.Options, yaml string) (*httptest.Server, *catalog.Service, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(storetest.Open(t), catalog.Options{
		OrphanStrategy: "keep",
		Rules:          []catalog.Rule{{Allow: []string{"Component", "Group", "Location", "API"}}},
		Reader:         &catalog.Reader{URLs: &urlread.Reader{Allow: callboard.HostRules("127.0.0.1:1-65535")}},
	})
	if err := cat.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := cat.AddLocation(t.Context(), catalog.TypeFile, path, false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, opts))
	t.Cleanup(srv.Close)
	return srv, cat, serveFile(t, path)
}

const hostileYAML = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: evil
  title: "<script>alert('title')</script>"
  description: "<img src=x onerror=alert(1)> & \"quotes\""
  tags: [go]
  annotations:
    backstage.io/view-url: "javascript:alert('view')"
    backstage.io/source-location: "url:javascript:alert('src')"
    example.com/note: "</td><script>alert('ann')</script>"
  links:
    - url: "javascript:alert('link')"
      title: "<script>alert('linktitle')</script>"
spec: {type: service, lifecycle: production, owner: team-x}
`

func TestPagesEscapeHostileText(t *testing.T) {
	srv, _, _ := newFileServer(t, web.Options{Dev: true}, hostileYAML)
	for _, path := range []string{
		"/catalog", "/catalog?q=script", "/search?q=%3Cscript%3E", "/search?q=evil&partial=1",
		"/catalog/default/component/evil", "/catalog/default/component/evil/relations",
		"/catalog/default/component/evil/unregister",
		"/catalog?owner=%3Cscript%3Ealert(1)%3C/script%3E", "/catalog/default/component/%3Cscript%3E",
	} {
		status, body := getPage(t, srv, path)
		if status >= 500 {
			t.Errorf("GET %s: status %d", path, status)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<b>tag</b>", "<i>label</i>", `href="javascript:`, "</td><script>"} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: page contains unescaped %q", path, bad)
			}
		}
	}
	status, body := getPage(t, srv, "/catalog/default/component/evil")
	if status != 200 {
		t.Fatalf("hostile entity page: status %d; %.300s", status, body)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;") {
		t.Errorf("entity page does not show the hostile title as text")
	}
}

func TestCatalogFiltersInURL(t *testing.T) {
	srv, _ := newDemoServer(t, web.Options{Dev: true})
	// A view is its URL: the same URL gives the same rows.
	path := "/catalog?kind=component&type=service&owner=group:default/payments-team&sort=name&dir=desc"
	_, body := getPage(t, srv, path)
	for _, want := range []string{"payment-service", "risk-engine", `aria-sort="descending"`} {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q", path, want)
		}
	}
	for _, notWant := range []string{">order-service<", ">lanting-go-kit<", ">api-gateway<"} {
		if strings.Contains(body, notWant) {
			t.Errorf("%s shows %q, which the filters exclude", path, notWant)
		}
	}
	if a, b := strings.Index(body, ">risk-engine<"), strings.Index(body, ">payment-service<"); a < 0 || b < 0 || a > b {
		t.Errorf("descending name order: risk-engine at %d, payment-service at %d", a, b)
	}
	// Facet counts are taken under the other filters: with type=service
	// selected the type facet still offers library.
	_, body = getPage(t, srv, "/catalog?kind=component&type=service")
	if !strings.Contains(body, `value="library"`) {
		t.Errorf("type facet hides the alternatives of the selected value")
	}
	// Text filter and paging.
	_, body = getPage(t, srv, "/catalog?q=kafka&size=2")
	if !strings.Contains(body, "1–2 of") || !strings.Contains(body, `rel="next"`) || !strings.Contains(body, "page=2") {
		t.Errorf("paged text-filtered view lacks its range or next link: %.400s", body[strings.Index(body, "results-h"):])
	}
	_, body = getPage(t, srv, "/catalog?q=kafka&size=2&page=2")
	if !strings.Contains(body, "3–4 of") || !strings.Contains(body, `rel="prev"`) {
		t.Errorf("page 2 lacks its range or previous link")
	}
}

func TestFormWritesNeedAuth(t *testing.T) {
	srv, _, path := newFileServer(t, web.Options{}, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: service, lifecycle: production, owner: me}\n")
	// Outside dev mode anonymous visitors see no page but the sign-in page.
	if resp, err := noRedirect.Get(srv.URL + "/catalog-import"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?redirect=%2Fcatalog-import" {
		t.Errorf("register page outside dev mode: %d to %q, want 303 to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := postForm(t, srv, "/catalog-import", url.Values{"target": {path}}, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "needs sign-in") {
		t.Errorf("POST /catalog-import without auth: status %d, want 401 with a message", resp.StatusCode)
	}
	resp, _ = postForm(t, srv, "/catalog/default/component/a/delete", nil, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST delete without auth: status %d, want 401", resp.StatusCode)
	}
}

func TestFormsRefuseCrossOrigin(t *testing.T) {
	srv, _, path := newFileServer(t, web.Options{Dev: true}, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: service, lifecycle: production, owner: me}\n")
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		resp, body := postForm(t, srv, "/catalog-import/analyze", url.Values{"target": {path}}, h)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "another site") {
			t.Errorf("POST with %v: status %d, want 403 with the error page", h, resp.StatusCode)
		}
	}
	resp, _ := postForm(t, srv, "/catalog-import/analyze", url.Values{"target": {path}}, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("same-origin POST: status %d, want 200", resp.StatusCode)
	}
}

func TestRegisterUnregisterAndDeleteOrphan(t *testing.T) {
	srv, cat, _ := newFileServer(t, web.Options{Dev: true}, "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n")
	dir := t.TempDir()
	file := filepath.Join(dir, "catalog-info.yaml")
	two := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: new-svc}\nspec: {type: service, lifecycle: production, owner: team-a}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: leaving}\nspec: {type: service, lifecycle: production, owner: team-a}\n"
	if err := os.WriteFile(file, []byte(two), 0o644); err != nil {
		t.Fatal(err)
	}

	resp, body := postForm(t, srv, "/catalog-import/analyze", url.Values{"target": {"relative/path.yaml"}}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "only http(s) URLs") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("analyze of a relative path: status %d, want 422 with the error next to the field", resp.StatusCode)
	}
	resp, body = postForm(t, srv, "/catalog-import/analyze", url.Values{"target": {file}}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "file locations can only be configured in catalog.locations") {
		t.Errorf("analyze of a server path: status %d, want 422 refusing file locations", resp.StatusCode)
	}
	fileURL := serveFile(t, file)
	resp, body = postForm(t, srv, "/catalog-import/analyze", url.Values{"target": {fileURL}}, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "2 entities will be imported") || !strings.Contains(body, "new-svc") {
		t.Fatalf("analyze: status %d; body %.500s", resp.StatusCode, body)
	}
	if n, _, _ := cat.Query(t.Context(), queryName("new-svc")); len(n) != 0 {
		t.Fatalf("analyze stored entities")
	}
	resp, _ = postForm(t, srv, "/catalog-import", url.Values{"target": {fileURL}}, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/catalog/default/component/") {
		t.Fatalf("register: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = postForm(t, srv, "/catalog-import", url.Values{"target": {fileURL}}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "already exists") {
		t.Errorf("registering twice: status %d, want 422 saying it exists", resp.StatusCode)
	}

	// Drop one entity from the file: it becomes an orphan (strategy keep).
	if err := os.WriteFile(file, []byte(strings.SplitN(two, "---\n", 2)[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cat.ProcessAll(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	_, body = getPage(t, srv, "/catalog/default/component/leaving")
	if !strings.Contains(body, "Orphan") || !strings.Contains(body, "/catalog/default/component/leaving/delete") {
		t.Fatalf("orphan page lacks the badge or the delete form")
	}
	resp, _ = postForm(t, srv, "/catalog/default/component/new-svc/delete", nil, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("deleting a non-orphan: status %d, want 400", resp.StatusCode)
	}
	resp, _ = postForm(t, srv, "/catalog/default/component/leaving/delete", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete orphan: status %d", resp.StatusCode)
	}
	if status, _ := getPage(t, srv, "/catalog/default/component/leaving"); status != 404 {
		t.Errorf("after delete, the orphan's page answers %d, want 404", status)
	}

	_, body = getPage(t, srv, "/catalog/default/component/new-svc/unregister")
	i := strings.Index(body, `name="location" value="`)
	if i < 0 {
		t.Fatalf("unregister page lacks the location form")
	}
	id := body[i+len(`name="location" value="`):]
	id = id[:strings.IndexByte(id, '"')]
	resp, _ = postForm(t, srv, "/catalog/default/component/new-svc/unregister", url.Values{"location": {id}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unregister: status %d", resp.StatusCode)
	}
	if status, _ := getPage(t, srv, "/catalog/default/component/new-svc"); status != 404 {
		t.Errorf("after unregistering, new-svc answers %d, want 404", status)
	}
}

func TestTeamCookie(t *testing.T) {
	srv, _ := newDemoServer(t, web.Options{Dev: true})
	resp, _ := postForm(t, srv, "/settings/team", url.Values{"team": {"group:default/payments-team"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("set team: status %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.AddCookie(resp.Cookies()[0])
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if !strings.Contains(string(b), "payment-service") || !strings.Contains(string(b), "/catalog?kind=all&amp;owner=group%3Adefault%2Fpayments-team") {
		t.Errorf("home with a team cookie does not list the team's entities")
	}
	resp, _ = postForm(t, srv, "/settings/team", url.Values{"team": {"group:default/no-such-team"}}, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown team: status %d, want 404", resp.StatusCode)
	}
}

func TestEntityPluginSlots(t *testing.T) {
	isComponent := func(e *callboard.Entity) bool { return strings.EqualFold(e.Kind, "component") }
	slots := plugin.Plugin{ID: "slots", Title: "Slots", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{
			Tabs: []plugin.Tab{{ID: "ci", Title: "CI", Applies: isComponent,
				Render: func(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
					return template.HTML("<p>builds of " + template.HTMLEscapeString(e.Metadata.Name) + "</p>"), nil
				}}},
			Cards: []plugin.Card{
				{ID: "oncall", Title: "On call", Applies: isComponent,
					Render: func(context.Context, *callboard.Entity) (template.HTML, error) {
						return "", callboard.Errorf(callboard.Upstream, "PagerDuty did not answer")
					}},
				{ID: "boom", Title: "Boom", Render: func(context.Context, *callboard.Entity) (template.HTML, error) {
					return "", errors.New("secret internal detail")
				}},
			},
		}, nil
	}}
	srv, _ := newDemoServer(t, web.Options{Dev: true, Plugins: mustEnable(t, slots)})
	_, body := getPage(t, srv, "/catalog/default/component/payment-service")
	for _, want := range []string{`href="/catalog/default/component/payment-service/ci"`, "On call is unavailable: PagerDuty did not answer", "Boom is unavailable: internal error"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Contains(body, "secret internal detail") {
		t.Errorf("a plugin's internal error reached the page")
	}
	status, body := getPage(t, srv, "/catalog/default/component/payment-service/ci")
	if status != 200 || !strings.Contains(body, "<p>builds of payment-service</p>") {
		t.Errorf("plugin tab: status %d", status)
	}
	if status, _ := getPage(t, srv, "/catalog/default/api/payment-api/ci"); status != 404 {
		t.Errorf("plugin tab on an entity it does not apply to: status %d, want 404", status)
	}
}

func queryName(name string) index.Query {
	return index.Query{Filter: index.Filter{{{Key: "metadata.name", Values: []string{name}}}}}
}
