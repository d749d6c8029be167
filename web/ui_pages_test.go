package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"callboard"
	"callboard/web"
)

// A Template's page launches its form; the demo's entities come from
// app-config (an embedded location), so none offers Unregister; the page
// language follows app.lang.
func TestEntityPageActions(t *testing.T) {
	srv, _ := newDemoServer(t, web.Options{Dev: true, Lang: "zh-CN"})
	_, body := getPage(t, srv, "/catalog/default/template/lanting-go-service")
	if !strings.Contains(body, `href="/create/templates/default/lanting-go-service"`) || !strings.Contains(body, "Launch template") {
		t.Errorf("template page lacks Launch template")
	}
	if strings.Contains(body, "<span>Unregister</span>") {
		t.Errorf("Unregister offered for an entity from app-config")
	}
	if !strings.Contains(body, `<html lang="zh-CN">`) {
		t.Errorf("page lacks lang zh-CN: %.80s", body)
	}
	status, body := getPage(t, srv, "/catalog/default/component/notification-service")
	if status != 200 || strings.Contains(body, "Launch template") {
		t.Errorf("component page: status %d, or it offers Launch template", status)
	}
}

// Settings shows the signed-in user's profile: name, email and groups.
func TestSettingsProfile(t *testing.T) {
	_, cat := newDemoServer(t, web.Options{Dev: true})
	h := web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true})
	zhang := callboard.Principal{Subject: "user:default/zhang.wei", Ownership: []string{"user:default/zhang.wei", "group:default/payments-team"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(callboard.WithPrincipal(r.Context(), zhang)))
	}))
	t.Cleanup(srv.Close)
	_, body := getPage(t, srv, "/settings")
	for _, want := range []string{"张伟 Zhang Wei", "mailto:zhang.wei@lanting.example", `href="/catalog/default/group/payments-team"`, "user:default/zhang.wei", `data-theme-switch`} {
		if !strings.Contains(body, want) {
			t.Errorf("settings lacks %q", want)
		}
	}
}

// An API's Definition tab renders OpenAPI descriptions as sanitized
// Markdown (headings below the page's h1) and links its raw text and a
// download; the raw text is plain text whatever it holds.
func TestDefinitionMarkdownAndRaw(t *testing.T) {
	def := "openapi: 3.0.0\ninfo:\n  title: Pets\n  version: '1'\n  description: |\n    # Pets API\n    Send `X-Token` on **every** call. <script>alert(1)</script>\npaths:\n  /pets:\n    get:\n      description: Lists `pets`.\n      responses: {'200': {description: ok}}\n"
	entity := "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: pets}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: |\n" + indent(def, "    ")
	srv, _, _ := newFileServer(t, web.Options{Dev: true}, entity)
	status, body := getPage(t, srv, "/catalog/default/api/pets/definition")
	if status != 200 {
		t.Fatalf("definition tab: status %d", status)
	}
	for _, want := range []string{"<code>X-Token</code>", "<strong>every</strong>", "<code>pets</code>", "<h4", `href="/catalog/default/api/pets/definition/raw"`, `href="/catalog/default/api/pets/definition/raw?download=1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("definition tab lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>alert") || strings.Count(body, "<h1") != 1 {
		t.Errorf("definition tab: script kept or %d h1 elements", strings.Count(body, "<h1"))
	}

	resp, err := http.Get(srv.URL + "/catalog/default/api/pets/definition/raw?download=1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(raw) != def || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="pets.yaml"` {
		t.Errorf("raw: %q, Content-Type %q, Content-Disposition %q", raw, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if status, _ := getPage(t, srv, "/catalog/default/group/team-a/definition/raw"); status != 404 {
		t.Errorf("raw definition of a group: status %d, want 404", status)
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+prefix) + "\n"
}
