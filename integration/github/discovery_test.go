package github_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/integration/github"
	"callboard/internal/githubfake"
	"callboard/store/storetest"
	"callboard/urlread"
)

func component(name string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name +
		"\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/platform\n"
}

var allKinds = []catalog.Rule{{Allow: []string{"Component", "API", "Location", "Group", "User", "System"}}}

func newCatalog(t testing.TB, c *github.Client) *catalog.Service {
	t.Helper()
	cat := catalog.New(storetest.Open(t), catalog.Options{Rules: allKinds,
		Reader: &catalog.Reader{URLs: &urlread.Reader{Integrations: c.URLIntegrations()}}})
	if err := cat.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	return cat
}

func has(t *testing.T, cat *catalog.Service, ref string) bool {
	t.Helper()
	_, err := cat.Entity(t.Context(), callboard.MustParseRef(ref))
	if err != nil && callboard.ErrorKind(err) != callboard.NotFound {
		t.Fatal(err)
	}
	return err == nil
}

func TestDiscoveryFiltersVanishedFailedAndWebhook(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc-a", map[string]string{"catalog-info.yaml": component("svc-a")}, githubfake.RepoOptions{Topics: []string{"go"}})
	s.AddRepo("acme", "svc-b", map[string]string{"catalog-info.yaml": component("svc-b")}, githubfake.RepoOptions{Topics: []string{"experimental"}})
	s.AddRepo("acme", "svc-old", map[string]string{"catalog-info.yaml": component("svc-old")}, githubfake.RepoOptions{Archived: true})
	s.AddRepo("acme", "svc-fork", map[string]string{"catalog-info.yaml": component("svc-fork")}, githubfake.RepoOptions{Fork: true})
	s.AddRepo("acme", "svc-flaky", map[string]string{"catalog-info.yaml": component("svc-flaky")}, githubfake.RepoOptions{})
	s.AddRepo("acme", "svc-none", map[string]string{"README.md": "no catalog file"}, githubfake.RepoOptions{})
	s.AddRepo("acme", "tool-x", map[string]string{"catalog-info.yaml": component("tool-x")}, githubfake.RepoOptions{})
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	cat := newCatalog(t, c)
	no := false
	d, err := c.NewDiscovery(github.DiscoveryConfig{ID: "acme", Organization: "acme", Filters: github.DiscoveryFilters{
		Repository: "^svc-", TopicExclude: []string{"experimental"}, AllowForks: &no}}, cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.Refresh(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Repos != 7 || st.Matched != 3 || st.Locations != 2 {
		t.Fatalf("stats = %+v, want 7 repos, 3 matched (a, flaky, none), 2 locations", st)
	}
	for ref, want := range map[string]bool{"component:default/svc-a": true, "component:default/svc-flaky": true,
		"component:default/svc-b": false, "component:default/svc-old": false, "component:default/svc-fork": false,
		"component:default/tool-x": false} {
		if has(t, cat, ref) != want {
			t.Errorf("%s present = %v, want %v", ref, !want, want)
		}
	}
	// Second run: every answer is a 304.
	st, _ = d.Refresh(t.Context())
	if st.NotModified == 0 || st.NotModified < st.Requests-1 {
		t.Fatalf("second run: %d requests, %d not modified", st.Requests, st.NotModified)
	}

	// A repository that fails keeps its entities; one that vanished loses them.
	s.SetFailing("acme", "svc-flaky", true)
	s.DeleteRepo("acme", "svc-a")
	if st, err = d.Refresh(t.Context()); err != nil || st.Failed != 1 {
		t.Fatalf("run with a failing repo: %+v %v", st, err)
	}
	if has(t, cat, "component:default/svc-a") || !has(t, cat, "component:default/svc-flaky") {
		t.Fatal("want svc-a removed and svc-flaky kept")
	}
	s.SetFailing("acme", "svc-flaky", false)

	// Webhooks: a signed push refreshes the repository at once.
	hooks := github.NewWebhooks([]string{"s3cret"}, []*github.Discovery{d}, nil, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := hooks.Event(r.Context(), "github", r.Header, body); err != nil {
			code, ok := map[callboard.Kind]int{callboard.Unauthenticated: 401, callboard.Forbidden: 403}[callboard.ErrorKind(err)]
			if !ok {
				code = 500
			}
			w.WriteHeader(code)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	s.Commit("acme", "svc-none", "main", map[string]string{"catalog-info.yaml": component("svc-none")})
	repo := s.Repo("acme", "svc-none")
	resp, err := githubfake.Deliver(nil, srv.URL, "push", "forged", s.PushPayload(repo, "main"))
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("forged signature: %v %v", resp.StatusCode, err)
	}
	if has(t, cat, "component:default/svc-none") {
		t.Fatal("a forged webhook changed the catalog")
	}
	// A push to another branch changes nothing either.
	if resp, _ = githubfake.Deliver(nil, srv.URL, "push", "s3cret", s.PushPayload(repo, "feature")); resp.StatusCode != 202 || has(t, cat, "component:default/svc-none") {
		t.Fatalf("push to a feature branch: %d", resp.StatusCode)
	}
	s.ResetCounts()
	if resp, _ = githubfake.Deliver(nil, srv.URL, "push", "s3cret", s.PushPayload(repo, "main")); resp.StatusCode != 202 {
		t.Fatalf("signed push: %d", resp.StatusCode)
	}
	if !has(t, cat, "component:default/svc-none") {
		t.Fatal("push did not bring svc-none in")
	}
	if total, _ := s.Requests(); total > 4 {
		t.Fatalf("a one-repository refresh made %d API requests", total)
	}
	// A repository event for an archived repository removes it.
	s.Edit("acme", "svc-none", func(r *githubfake.Repo) { r.Archived = true })
	if resp, _ = githubfake.Deliver(nil, srv.URL, "repository", "s3cret", s.RepositoryPayload("archived", repo)); resp.StatusCode != 202 {
		t.Fatalf("repository event: %d", resp.StatusCode)
	}
	if has(t, cat, "component:default/svc-none") || !has(t, cat, "component:default/svc-flaky") {
		t.Fatal("archiving svc-none should remove it and only it")
	}
	req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader([]byte(`{}`)))
	req.Header.Set("X-GitHub-Event", "push")
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 401 {
		t.Fatalf("unsigned delivery: %d", resp.StatusCode)
	}
}

func TestDiscoveryGlobAndBranch(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "mono", map[string]string{"services/a/catalog-info.yaml": component("mono-a"),
		"services/b/catalog-info.yaml": component("mono-b"), "catalog-info.yaml": component("mono-root"),
		"services/b/other.yaml": component("mono-other")}, githubfake.RepoOptions{})
	s.Commit("acme", "mono", "release", map[string]string{"catalog-info.yaml": component("mono-release")})
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	cat := newCatalog(t, c)
	d, err := c.NewDiscovery(github.DiscoveryConfig{ID: "mono", Organization: "acme", CatalogPath: "/services/**/catalog-info.yaml"}, cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ref := range []string{"mono-a", "mono-b", "mono-root", "mono-other"} {
		if has(t, cat, "component:default/"+ref) {
			got = append(got, ref)
		}
	}
	if !slices.Equal(got, []string{"mono-a", "mono-b"}) {
		t.Fatalf("glob found %v", got)
	}
	rel, _ := c.NewDiscovery(github.DiscoveryConfig{ID: "rel", Organization: "acme", Filters: github.DiscoveryFilters{Branch: "release"}}, cat, nil)
	if _, err := rel.Refresh(t.Context()); err != nil || !has(t, cat, "component:default/mono-release") {
		t.Fatalf("branch filter: %v", err)
	}
	if _, err := c.NewDiscovery(github.DiscoveryConfig{ID: "x", Organization: "acme", Filters: github.DiscoveryFilters{Repository: "("}}, cat, nil); callboard.ErrorKind(err) != callboard.Invalid {
		t.Fatalf("bad regex: %v", err)
	}
}

func TestOrgProvider(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme", "alice", "bob")
	s.AddUser(githubfake.User{Login: "alice", Name: "Alice Liddell", Email: "alice@acme.example"})
	s.AddUser(githubfake.User{Login: "bob"})
	s.AddTeam("acme", githubfake.Team{Slug: "eng", Name: "Engineering", Members: []string{"alice"}})
	s.AddTeam("acme", githubfake.Team{Slug: "platform", Name: "Platform", Parent: "eng", Members: []string{"alice", "bob"}})
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	cat := newCatalog(t, c)
	p, err := c.NewOrgProvider(github.OrgConfig{ID: "acme", Orgs: []string{"acme"}}, cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	alice, err := cat.Entity(t.Context(), callboard.MustParseRef("user:default/alice"))
	if err != nil {
		t.Fatal(err)
	}
	prof := alice.Spec["profile"].(map[string]any)
	if prof["displayName"] != "Alice Liddell" || prof["email"] != "alice@acme.example" || prof["picture"] == nil {
		t.Fatalf("alice profile = %v", prof)
	}
	rels := map[string]bool{}
	for _, r := range alice.Relations {
		rels[r.Type+" "+r.TargetRef] = true
	}
	if !rels["memberOf group:default/eng"] || !rels["memberOf group:default/platform"] {
		t.Fatalf("alice relations = %v", alice.Relations)
	}
	eng, _ := cat.Entity(t.Context(), callboard.MustParseRef("group:default/eng"))
	rels = map[string]bool{}
	for _, r := range eng.Relations {
		rels[r.Type+" "+r.TargetRef] = true
	}
	if !rels["parentOf group:default/platform"] || !rels["hasMember user:default/alice"] {
		t.Fatalf("eng relations = %v", eng.Relations)
	}
	// bob leaves the org: his User goes on the next run.
	s.AddOrg("acme", "alice")
	s.AddTeam("acme", githubfake.Team{Slug: "eng", Members: []string{"alice"}})
	if err := p.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if has(t, cat, "user:default/bob") || has(t, cat, "group:default/platform") || !has(t, cat, "group:default/eng") {
		t.Fatal("want bob and platform removed, eng kept")
	}
}
