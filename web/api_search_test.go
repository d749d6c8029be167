package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"callboard/auth/policy"
	"callboard/catalog"
	"callboard/search"
	"callboard/store/storetest"
	"callboard/web"
)

// newSearchServer serves newPermServer's catalog (100 components, a
// third owned by team-a, and an API) with the one search, under
// permPolicy when policed.
func newSearchServer(t *testing.T, policed bool) *httptest.Server {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: shared-api, description: The API everybody shares}\nspec: {type: openapi, lifecycle: production, owner: team-b, definition: x}\n")
	for i := range 100 {
		owner := "team-b"
		if i%10 < 3 {
			owner = "team-a"
		}
		b.WriteString("---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-" + pad(i) + ", description: Service number " + pad(i) + " of the shop}\nspec: {type: service, lifecycle: production, owner: " + owner + "}\n")
	}
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	var svc *search.Service
	cat := catalog.New(db, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: path}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "Location", "API"}}},
		Changed:   func(refs []string) { svc.EntitiesChanged(refs) },
	})
	svc = search.New(search.Options{Store: db, Catalog: cat})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if err := svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	opts := web.Options{Dev: true, Search: svc}
	if policed {
		az, err := policy.Parse("policy.yaml", []byte(permPolicy))
		if err != nil {
			t.Fatal(err)
		}
		opts.Authorizer = az
	}
	srv := httptest.NewServer(withTestPrincipal(web.NewServer(slog.New(slog.DiscardHandler), cat, opts)))
	t.Cleanup(srv.Close)
	return srv
}

func pad(i int) string { return fmt.Sprintf("%03d", i) }

// TestSearchQueryAPI checks Backstage's /api/search/query: parameters in
// qs's encoding, the result set's shape, cursors and errors.
func TestSearchQueryAPI(t *testing.T) {
	srv := newSearchServer(t, false)
	var rs struct {
		Results []struct {
			Type      string         `json:"type"`
			Document  map[string]any `json:"document"`
			Highlight struct {
				PreTag  string            `json:"preTag"`
				PostTag string            `json:"postTag"`
				Fields  map[string]string `json:"fields"`
			} `json:"highlight"`
			Rank int `json:"rank"`
		} `json:"results"`
		NextPageCursor     *string `json:"nextPageCursor"`
		PreviousPageCursor *string `json:"previousPageCursor"`
		NumberOfResults    int     `json:"numberOfResults"`
	}
	mustGet(t, srv, "/api/search/query?term=svc-042&types%5B0%5D=software-catalog&filters%5Bkind%5D=Component", http.StatusOK, &rs)
	if rs.NumberOfResults < 1 || len(rs.Results) == 0 {
		t.Fatalf("svc-042: %d results", rs.NumberOfResults)
	}
	r := rs.Results[0]
	if r.Type != "software-catalog" || r.Rank != 1 || r.Document["location"] != "/catalog/default/component/svc-042" ||
		r.Document["title"] != "svc-042" || r.Document["kind"] != "Component" || r.Document["owner"] != "team-a" {
		t.Errorf("first result = %+v", r)
	}
	if h := r.Highlight; h.PreTag == "" || h.Fields["title"] != h.PreTag+"svc"+h.PostTag+"-"+h.PreTag+"042"+h.PostTag {
		t.Errorf("highlight = %+v", h)
	}
	mustGet(t, srv, "/api/search/query?term=svc&pageLimit=10", http.StatusOK, &rs)
	if rs.NumberOfResults != 100 || len(rs.Results) != 10 || rs.NextPageCursor == nil || *rs.NextPageCursor != "MQ==" || rs.PreviousPageCursor != nil {
		t.Fatalf("svc page 1: %d of %d, next %v, previous %v", len(rs.Results), rs.NumberOfResults, rs.NextPageCursor, rs.PreviousPageCursor)
	}
	rs.NextPageCursor, rs.PreviousPageCursor = nil, nil
	mustGet(t, srv, "/api/search/query?term=svc&pageLimit=10&pageCursor=OQ==", http.StatusOK, &rs)
	if len(rs.Results) != 10 || rs.Results[0].Rank != 91 || rs.NextPageCursor != nil || rs.PreviousPageCursor == nil {
		t.Errorf("svc last page: %d results from rank %d, next %v", len(rs.Results), rs.Results[0].Rank, rs.NextPageCursor)
	}
	mustGet(t, srv, "/api/search/query?term=svc&filters%5Bowner%5D=team-a&types=software-catalog", http.StatusOK, &rs)
	if rs.NumberOfResults != 30 {
		t.Errorf("owner team-a: %d results, want 30", rs.NumberOfResults)
	}
	for _, bad := range []string{"term=x&pageLimit=500", "term=x&pageCursor=%25%25", "term=x&filters%5Bcolour%5D=red"} {
		resp, err := http.Get(srv.URL + "/api/search/query?" + bad)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"name":"InputError"`) {
			t.Errorf("%s: %d %s, want 400 InputError", bad, resp.StatusCode, body)
		}
	}
}

// TestSearchPermissions checks that search answers only what the policy
// lets each caller read, counts included.
func TestSearchPermissions(t *testing.T) {
	srv := newSearchServer(t, true)
	for _, tc := range []struct {
		user, term string
		want       int
	}{
		{"jane", "svc", 30}, // team-a's
		{"bob", "svc", 70},  // team-b's
		{"", "svc", 0},      // nobody owns nothing
		{"", "shared", 1},   // every API
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/search/query?term="+tc.term, nil)
		req.Header.Set("X-Test-User", tc.user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := `"numberOfResults":` + strconv.Itoa(tc.want); !strings.Contains(string(body), want) {
			t.Errorf("%q as %q: %s, want %s", tc.term, tc.user, body[:min(len(body), 300)], want)
		}
		if tc.user == "jane" && strings.Contains(string(body), "team-b") {
			t.Errorf("jane sees team-b's entities")
		}
	}
}

// TestSearchPage checks /search?query=: hits with marks, facets, pages,
// the type-ahead fragment, and the old ?q= spelling.
func TestSearchPage(t *testing.T) {
	srv := newSearchServer(t, false)
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	page := get("/search?query=svc")
	for _, want := range []string{
		`href="/catalog/default/component/svc-000"`, `<mark>svc</mark>-000`, "1–25 of 100 results",
		`name="filters[owner]" value="group:default/team-b"`, `rel="next"`, `name="types" value="software-catalog"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %q", want)
		}
	}
	if old := get("/search?q=svc-007"); !strings.Contains(old, `href="/catalog/default/component/svc-007"`) {
		t.Errorf("?q= does not search")
	}
	part := get("/search?partial=1&query=shared")
	if !strings.Contains(part, `role="option"`) || !strings.Contains(part, "<mark>shared</mark>") || strings.Contains(part, "<html") {
		t.Errorf("type-ahead fragment = %s", part)
	}
	if evil := get("/search?query=%3Cscript%3Ealert(1)%3C/script%3E"); strings.Contains(evil, "<script>alert") {
		t.Errorf("the term is not escaped")
	}
}
