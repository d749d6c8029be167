package onboard_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/internal/githubfake"
	"callboard/onboard"
	"callboard/store/storetest"
	"callboard/urlread"
	"callboard/web"
)

// newAnalyzeServer is the portal's API with the GitHub analyzer wired as
// main wires it.
func newAnalyzeServer(t *testing.T, s *githubfake.Server) *httptest.Server {
	t.Helper()
	c := newClient(t, s, time.Second)
	cat := catalog.New(storetest.Open(t), catalog.Options{
		Reader:    &catalog.Reader{URLs: &urlread.Reader{Integrations: c.URLIntegrations()}},
		Analyzers: []catalog.RepoAnalyzer{onboard.NewAnalyzer(c, "")},
	})
	if err := cat.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true}))
	t.Cleanup(srv.Close)
	return srv
}

func analyze(t *testing.T, api, target string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"location": map[string]string{"type": "url", "target": target}})
	req, _ := http.NewRequest("POST", api+"/api/catalog/analyze-location", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %s", err, b)
	}
	return resp.StatusCode, out
}

func TestAnalyzeLocation(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg(org)
	s.AddTeam(org, githubfake.Team{Slug: "payments"})
	s.AddRepo(org, "payment-service", map[string]string{"main.go": "package main\n", "Dockerfile": "FROM x\n",
		"mkdocs.yml": "site_name: x\n", ".github/CODEOWNERS": "* @acme/payments\n", "services/ledger/main.go": "package main\n"},
		githubfake.RepoOptions{Description: "Takes payments", Topics: []string{"payments"}})
	s.AddRepo(org, "registered", map[string]string{"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: registered\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"},
		githubfake.RepoOptions{})
	api := newAnalyzeServer(t, s).URL
	web := "http://" + s.Host() + "/" + org

	for _, target := range []string{web + "/payment-service", web + "/payment-service/tree/main", web + "/payment-service/blob/main/README.md"} {
		t.Run(target, func(t *testing.T) {
			code, out := analyze(t, api, target)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, out)
			}
			if ex := out["existingEntityFiles"].([]any); len(ex) != 0 {
				t.Errorf("existingEntityFiles = %v, want []", ex)
			}
			gens := out["generateEntities"].([]any)
			if len(gens) != 1 {
				t.Fatalf("generateEntities = %v", gens)
			}
			gen := gens[0].(map[string]any)
			e := gen["entity"].(map[string]any)
			meta, spec := e["metadata"].(map[string]any), e["spec"].(map[string]any)
			ann := meta["annotations"].(map[string]any)
			if meta["name"] != "payment-service" || meta["description"] != "Takes payments" || spec["type"] != "service" ||
				spec["owner"] != "group:default/payments" || ann["github.com/project-slug"] != "acme/payment-service" ||
				ann["backstage.io/techdocs-ref"] != "dir:." || e["kind"] != "Component" {
				t.Errorf("entity = %v", e)
			}
			fields := map[string]string{}
			for _, f := range gen["fields"].([]any) {
				f := f.(map[string]any)
				fields[f["field"].(string)] = f["state"].(string)
			}
			if fields["spec.owner"] != "analysisSuggestedValue" || fields["metadata.name"] != "analysisSuggestedValue" {
				t.Errorf("fields = %v", fields)
			}
		})
	}
	t.Run("monorepo directory", func(t *testing.T) {
		_, out := analyze(t, api, web+"/payment-service/tree/main/services/ledger")
		e := out["generateEntities"].([]any)[0].(map[string]any)["entity"].(map[string]any)
		if name := e["metadata"].(map[string]any)["name"]; name != "ledger" {
			t.Errorf("name = %v, want ledger", name)
		}
	})
	t.Run("existing descriptor", func(t *testing.T) {
		code, out := analyze(t, api, web+"/registered")
		ex, _ := out["existingEntityFiles"].([]any)
		if code != http.StatusOK || len(ex) != 1 || len(out["generateEntities"].([]any)) != 0 {
			t.Fatalf("status %d: %v", code, out)
		}
	})
	t.Run("missing repository", func(t *testing.T) {
		code, out := analyze(t, api, web+"/nope")
		if code != http.StatusNotFound {
			t.Errorf("status %d, want 404: %v", code, out)
		}
	})
	t.Run("default owner needs input", func(t *testing.T) {
		s.AddRepo(org, "lonely", map[string]string{"x.py": "x\n"}, githubfake.RepoOptions{})
		_, out := analyze(t, api, web+"/lonely")
		gen := out["generateEntities"].([]any)[0].(map[string]any)
		for _, f := range gen["fields"].([]any) {
			f := f.(map[string]any)
			if f["field"] == "spec.owner" && f["state"] != "needsUserInput" {
				t.Errorf("owner field = %v, want needsUserInput", f)
			}
		}
	})
}

func TestAnalyzerURLs(t *testing.T) {
	s := githubfake.NewServer(t)
	a := onboard.NewAnalyzer(newClient(t, s, time.Second), "")
	base := "http://" + s.Host()
	for _, tc := range []struct{ target, want string }{
		{base + "/acme/svc", base + "/acme/svc/blob/HEAD/catalog-info.yaml"},
		{base + "/acme/svc.git", base + "/acme/svc/blob/HEAD/catalog-info.yaml"},
		{base + "/acme/svc/tree/dev/a/b", base + "/acme/svc/blob/dev/a/b/catalog-info.yaml"},
		{base + "/acme/svc/blob/main/x/other.yaml", base + "/acme/svc/blob/main/x/other.yaml"},
		{base + "/acme/svc/blob/main/README.md", base + "/acme/svc/blob/main/catalog-info.yaml"},
		{base + "/acme/svc/blob/main/x/y.go", base + "/acme/svc/blob/main/x/catalog-info.yaml"},
		{"https://elsewhere.example/acme/svc", ""},
		{base + "/acme", ""},
		{base + "/acme/svc/issues/1", ""},
		{base + "/acme/../x", ""},
	} {
		got, ok := a.DescriptorURL(tc.target, "catalog-info.yaml")
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("DescriptorURL(%q) = %q, %v; want %q", tc.target, got, ok, tc.want)
		}
	}
	if _, err := a.Suggest(t.Context(), "https://elsewhere.example/a/b"); callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("Suggest of another host: %v, want Invalid", err)
	}
}
