package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/index"
	"callboard/store/storetest"
	"callboard/web"
)

// attackResult is one answer to an attack request.
type attackResult struct {
	Status int
	Name   string // the error name, "" when the body is not an error
	Msg    string
	Body   []byte
}

// send makes a request (a GET when body is nil) and decodes an error body.
func send(t *testing.T, srv *httptest.Server, method, path string, body any) attackResult {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct{ Name, Message string }
	}
	_ = json.Unmarshal(b, &e)
	return attackResult{Status: resp.StatusCode, Name: e.Error.Name, Msg: e.Error.Message, Body: b}
}

// mustRefuse checks that a request is answered 400 InputError with a
// message containing want.
func mustRefuse(t *testing.T, srv *httptest.Server, method, path string, body any, want string) {
	t.Helper()
	got := send(t, srv, method, path, body)
	if got.Status != http.StatusBadRequest || got.Name != "InputError" || !strings.Contains(got.Msg, want) {
		t.Errorf("%s %.100s: %d %s %q; want 400 InputError containing %q", method, path, got.Status, got.Name, got.Msg, want)
	}
}

// mustAccept checks that a request is answered 200 with a JSON body.
func mustAccept(t *testing.T, srv *httptest.Server, method, path string, body any) []byte {
	t.Helper()
	got := send(t, srv, method, path, body)
	if got.Status != http.StatusOK || !json.Valid(got.Body) {
		t.Errorf("%s %.100s: %d %.300s; want 200 and JSON", method, path, got.Status, got.Body)
	}
	return got.Body
}

// withBigHeaders serves srv's handler again with a 16 MiB header limit, so
// that requests larger than Go's default 1 MiB reach the handler.
func withBigHeaders(t *testing.T, srv *httptest.Server) *httptest.Server {
	big := httptest.NewUnstartedServer(srv.Config.Handler)
	big.Config.MaxHeaderBytes = 16 << 20
	big.Start()
	t.Cleanup(big.Close)
	return big
}

// statements returns n comma-separated filter statements made by stmt.
func statements(n int, stmt func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = stmt(i)
	}
	return strings.Join(parts, ",")
}

// TestAttackFilterManyValues: a filter of 90,000 values took 18 s to
// answer. A request has at most 1,000 filter statements; 1,000 are
// answered, more are an InputError, and the many-keys case is no longer
// quadratic.
func TestAttackFilterManyValues(t *testing.T) {
	srv := withBigHeaders(t, newTestServer(t, web.Options{Dev: true}, 3))
	huge := statements(90000, func(i int) string { return fmt.Sprintf("metadata.name=n%d", i) })
	over := statements(1001, func(i int) string { return fmt.Sprintf("k%d=%d", i, i) })
	limit := statements(1000, func(i int) string { return fmt.Sprintf("k%d=%d", i, i) })
	names := statements(1000, func(i int) string { return fmt.Sprintf("metadata.name=svc-%02d", i) })

	t.Run("90,000 values", func(t *testing.T) {
		mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?filter="+huge, nil, "")
		if _, err := index.ParseFilters([]string{huge}); callboard.ErrorKind(err) != callboard.Invalid {
			t.Errorf("ParseFilters of 90,000 statements: %v, want an Invalid error", err)
		}
	})
	for _, path := range []string{
		"/api/catalog/entities/by-query?filter=",
		"/api/catalog/entities?filter=",
		"/api/catalog/entity-facets?facet=kind&filter=",
	} {
		t.Run(path, func(t *testing.T) {
			mustRefuse(t, srv, "GET", path+over, nil, "at most 1000 filter statements")
			// Split over parameters, they count together.
			mustRefuse(t, srv, "GET", path+limit+"&filter=kind=component", nil, "at most 1000 filter statements")
			mustAccept(t, srv, "GET", path+limit, nil)
		})
	}
	t.Run("by-refs", func(t *testing.T) {
		refs := map[string]any{"entityRefs": []string{"component:default/svc-00"}}
		mustRefuse(t, srv, "POST", "/api/catalog/entities/by-refs?filter="+over, refs, "at most 1000 filter statements")
		mustAccept(t, srv, "POST", "/api/catalog/entities/by-refs?filter="+limit, refs)
	})
	t.Run("1,000 values of one key are answered", func(t *testing.T) {
		var r queryResponse
		mustGet(t, srv, "/api/catalog/entities/by-query?filter="+names+"&limit=100", 200, &r)
		if r.TotalItems != 3 {
			t.Errorf("totalItems = %d, want the 3 components", r.TotalItems)
		}
	})
	t.Run("predicate", func(t *testing.T) {
		values := make([]string, 90000)
		for i := range values {
			values[i] = fmt.Sprintf("n%d", i)
		}
		mustRefuse(t, srv, "POST", "/api/catalog/entities/by-query",
			map[string]any{"query": map[string]any{"metadata.name": map[string]any{"$in": values}}}, "at most 1000")
		mustRefuse(t, srv, "POST", "/api/catalog/entity-facets",
			map[string]any{"facets": []string{"kind"}, "query": map[string]any{"metadata.name": map[string]any{"$in": values}}}, "at most 1000")
		mustAccept(t, srv, "POST", "/api/catalog/entities/by-query",
			map[string]any{"query": map[string]any{"metadata.name": map[string]any{"$in": values[:990]}}})
	})
}

// TestAttackManyFields: 60,000 fields took 30 s (each decoded every
// entity again). A request has at most 1,000 fields.
func TestAttackManyFields(t *testing.T) {
	srv := withBigHeaders(t, newTestServer(t, web.Options{Dev: true}, 3))
	fields := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("metadata.f%d", i)
		}
		return out
	}
	huge, over, limit := fields(60000), fields(1001), append(fields(999), "metadata.name")

	mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?fields="+strings.Join(huge, ","), nil, "")
	for _, path := range []string{"/api/catalog/entities/by-query?fields=", "/api/catalog/entities?fields="} {
		mustRefuse(t, srv, "GET", path+strings.Join(over, ","), nil, "at most 1000")
		mustRefuse(t, srv, "GET", path+strings.Join(over[:500], ",")+"&fields="+strings.Join(over[500:], ","), nil, "at most 1000")
		body := mustAccept(t, srv, "GET", path+strings.Join(limit, ","), nil)
		if !strings.Contains(string(body), `{"metadata":{"name":"svc-00"}}`) {
			t.Errorf("GET %s with 1,000 fields: %.200s; want entities with only metadata.name", path, body)
		}
	}
	mustRefuse(t, srv, "POST", "/api/catalog/entities/by-query", map[string]any{"fields": huge}, "at most 1000")
	mustRefuse(t, srv, "POST", "/api/catalog/entities/by-refs",
		map[string]any{"entityRefs": []string{"component:default/svc-00"}, "fields": huge}, "at most 1000")
	mustAccept(t, srv, "POST", "/api/catalog/entities/by-refs",
		map[string]any{"entityRefs": []string{"component:default/svc-00"}, "fields": limit})

	facets := url.Values{}
	for _, f := range over {
		facets.Add("facet", f)
	}
	mustRefuse(t, srv, "GET", "/api/catalog/entity-facets?"+facets.Encode(), nil, "at most 1000")
	mustRefuse(t, srv, "POST", "/api/catalog/entity-facets", map[string]any{"facets": huge}, "at most 1000")
}

// TestAttackFieldsProto: fields naming __proto__ are refused, as are
// malformed dot paths, wherever fields are read.
func TestAttackFieldsProto(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 2)
	for _, f := range []string{"__proto__", "metadata.__proto__", "__proto__.polluted", "metadata..name", ".kind", "kind.", "metadata.name;--", "kind<script>"} {
		t.Run(f, func(t *testing.T) {
			q := url.QueryEscape(f)
			mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?fields="+q, nil, "Invalid fields")
			mustRefuse(t, srv, "GET", "/api/catalog/entities?fields="+q, nil, "Invalid fields")
			mustRefuse(t, srv, "POST", "/api/catalog/entities/by-query", map[string]any{"fields": []string{f}}, "Invalid fields")
			mustRefuse(t, srv, "POST", "/api/catalog/entities/by-refs",
				map[string]any{"entityRefs": []string{"component:default/svc-00"}, "fields": []string{f}}, "Invalid fields")
		})
	}
	// Keys with dots and slashes are fields.
	mustAccept(t, srv, "GET", "/api/catalog/entities/by-query?fields=metadata.annotations.example.com/team,kind", nil)
}

// TestAttackFieldsArrayIndex: array-index paths are refused with
// Backstage's message.
func TestAttackFieldsArrayIndex(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 2)
	const want = "invalid fields, array type fields are not supported"
	for _, f := range []string{"metadata.tags[0]", "relations[0].targetRef", "metadata.tags[]"} {
		q := url.QueryEscape(f)
		mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?fields="+q, nil, want)
		mustRefuse(t, srv, "GET", "/api/catalog/entities?fields="+q, nil, want)
		mustRefuse(t, srv, "POST", "/api/catalog/entities/by-query", map[string]any{"fields": []string{f}}, want)
	}
}

// TestAttackOrderFieldInjection: orderField is a field and a direction,
// asc or desc, nothing else.
func TestAttackOrderFieldInjection(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 3)
	for _, o := range []string{"metadata.name;--,asc", "metadata.name;drop table entities", "metadata.name,sideways",
		"metadata.name,ASC", "metadata.name,asc,extra", ",asc", "metadata.name,", "metadata.name)--"} {
		mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?orderField="+url.QueryEscape(o), nil, "")
	}
	many := url.Values{}
	for range 11 {
		many.Add("orderField", "metadata.name,asc")
	}
	mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?"+many.Encode(), nil, "at most 10")
	for _, o := range []string{"asc:metadata.name;--", "sideways:metadata.name", "asc:"} {
		mustRefuse(t, srv, "GET", "/api/catalog/entities?order="+url.QueryEscape(o), nil, "")
	}
	for _, ob := range []map[string]string{{"field": "metadata.name;--", "order": "asc"}, {"field": "metadata.name", "order": "up"}, {"field": "", "order": "asc"}} {
		mustRefuse(t, srv, "POST", "/api/catalog/entities/by-query", map[string]any{"orderBy": []any{ob}}, "")
	}
	mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?fullTextFilterTerm=x&fullTextFilterFields="+url.QueryEscape("metadata.name;--"), nil, "")

	var r queryResponse
	mustGet(t, srv, "/api/catalog/entities/by-query?filter=kind=component&orderField=metadata.name,desc&orderField=kind", 200, &r)
	if got := strings.Join(names(r), " "); got != "svc-02 svc-01 svc-00" {
		t.Errorf("orderField=metadata.name,desc: %s", got)
	}
}

// TestAttackForgedCursor: a cursor is refused unless it is one the
// endpoint made, unchanged, for the query it is sent with.
func TestAttackForgedCursor(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 6)
	b64url := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	var first queryResponse
	mustGet(t, srv, "/api/catalog/entities/by-query?filter=kind=component&orderField=metadata.name,asc&limit=2", 200, &first)
	next := first.PageInfo["nextCursor"]
	if next == "" {
		t.Fatal("no nextCursor")
	}
	mustGet(t, srv, "/api/catalog/entities/by-query?cursor="+next, 200, nil)
	// The same query's parameters may come with it.
	mustGet(t, srv, "/api/catalog/entities/by-query?filter=kind=component&orderField=metadata.name,asc&cursor="+next, 200, nil)

	// The cursor, with its filter edited and everything else kept.
	raw, err := base64.RawURLEncoding.DecodeString(next)
	if err != nil {
		t.Fatal(err)
	}
	edited := b64url(strings.Replace(string(raw), "kind=component", "kind=group", 1))
	if edited == next {
		t.Fatalf("cursor %s does not hold the filter", raw)
	}
	var other queryResponse
	mustGet(t, srv, "/api/catalog/entities/by-query?filter=kind=group&limit=1", 200, &other)

	var post struct{ PageInfo map[string]string }
	if err := json.Unmarshal(mustAccept(t, srv, "POST", "/api/catalog/entities/by-query",
		map[string]any{"query": map[string]any{"kind": "component"}, "limit": 2}), &post); err != nil {
		t.Fatal(err)
	}
	postNext := post.PageInfo["nextCursor"]
	if postNext == "" {
		t.Fatal("no POST nextCursor")
	}
	gets := map[string]string{
		"an object of other keys":     b64url(`{"a":1}`),
		"null":                        b64url(`null`),
		"a list":                      b64url(`[1,2]`),
		"a string":                    b64url(`"x"`),
		"no sum":                      b64url(`{"f":["kind=component"],"off":2}`),
		"a made-up sum":               b64url(`{"f":["kind=component"],"off":2,"sum":"AAAAAAAAAAAAAAAAAAAAAAAA"}`),
		"a negative offset":           b64url(`{"off":-5,"sum":"x"}`),
		"an offset of the wrong type": b64url(`{"off":"2","sum":"x"}`),
		"not base64":                  "not-a-cursor!",
		"the filter edited":           edited,
		"a POST cursor":               url.QueryEscape(postNext),
	}
	for name, c := range gets {
		t.Run("GET "+name, func(t *testing.T) {
			mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?cursor="+c, nil, "Malformed cursor")
		})
	}
	t.Run("GET a cursor from another query", func(t *testing.T) {
		mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?filter=kind=group&cursor="+next, nil, "made for another query")
		mustRefuse(t, srv, "GET", "/api/catalog/entities/by-query?orderField=metadata.name,desc&cursor="+next, nil, "made for another query")
	})
	t.Run("GET a by-query cursor as after", func(t *testing.T) {
		mustRefuse(t, srv, "GET", "/api/catalog/entities?after="+next, nil, "Malformed cursor")
	})

	posts := map[string]string{
		"an object of other keys": b64(`{"a":1}`),
		"null":                    b64(`null`),
		"no sum":                  b64(`{"query":{"kind":"component"},"offset":2}`),
		"a made-up sum":           b64(`{"query":{"kind":"component"},"offset":2,"sum":"AAAAAAAAAAAAAAAAAAAAAAAA"}`),
		"a GET cursor":            next,
	}
	for name, c := range posts {
		t.Run("POST "+name, func(t *testing.T) {
			mustRefuse(t, srv, "POST", "/api/catalog/entities/by-query", map[string]any{"cursor": c}, "Malformed cursor")
		})
	}
	t.Run("POST a cursor from another query", func(t *testing.T) {
		mustAccept(t, srv, "POST", "/api/catalog/entities/by-query", map[string]any{"cursor": postNext})
		mustRefuse(t, srv, "POST", "/api/catalog/entities/by-query",
			map[string]any{"cursor": postNext, "query": map[string]any{"kind": "group"}}, "made for another query")
		mustRefuse(t, srv, "POST", "/api/catalog/locations/by-query", map[string]any{"cursor": postNext}, "Malformed cursor")
	})
}

// countingStore is the real store, recording the largest number of
// entity bodies one read asks for.
type countingStore struct {
	callboard.EntityStore
	mu      sync.Mutex
	largest int
}

func (s *countingStore) AppendEntityBodies(ctx context.Context, buf []byte, uids []string) ([]byte, []callboard.EntityBody, error) {
	s.mu.Lock()
	s.largest = max(s.largest, len(uids))
	s.mu.Unlock()
	return s.EntityStore.AppendEntityBodies(ctx, buf, uids)
}

// TestAttackUnboundedLimit: GET /entities without a limit, or by-query
// with a huge one, answers the whole catalog without reading it into
// memory at once: entities are read and written a chunk at a time.
func TestAttackUnboundedLimit(t *testing.T) {
	const n = 1200
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c-%04d}\nspec: {type: service, lifecycle: production, owner: team-a}\n", i)
	}
	path := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	st := &countingStore{EntityStore: storetest.Open(t)}
	cat := catalog.New(st, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: path}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "Location"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true}))
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		name, path string
		items      func([]byte) ([]json.RawMessage, error)
	}{
		{"GET /entities without limit", "/api/catalog/entities?filter=kind=component", func(b []byte) ([]json.RawMessage, error) {
			var items []json.RawMessage
			return items, json.Unmarshal(b, &items)
		}},
		{"GET /entities with fields", "/api/catalog/entities?filter=kind=component&fields=metadata.name", func(b []byte) ([]json.RawMessage, error) {
			var items []json.RawMessage
			return items, json.Unmarshal(b, &items)
		}},
		{"by-query with a huge limit", "/api/catalog/entities/by-query?filter=kind=component&limit=100000000", func(b []byte) ([]json.RawMessage, error) {
			var page struct{ Items []json.RawMessage }
			return page.Items, json.Unmarshal(b, &page)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st.mu.Lock()
			st.largest = 0
			st.mu.Unlock()
			body := mustAccept(t, srv, "GET", tc.path, nil)
			items, err := tc.items(body)
			if err != nil || len(items) != n {
				t.Fatalf("%d items (%v); want %d", len(items), err, n)
			}
			seen := map[string]bool{}
			for _, it := range items {
				var e struct{ Metadata struct{ Name string } }
				if json.Unmarshal(it, &e) != nil || e.Metadata.Name == "" || seen[e.Metadata.Name] {
					t.Fatalf("bad or repeated item %s", it)
				}
				seen[e.Metadata.Name] = true
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if st.largest == 0 || st.largest > n/2 {
				t.Errorf("one store read asked for %d entity bodies of %d: the response holds the catalog at once", st.largest, n)
			}
		})
	}
	// Paging with limit still works: Link: rel="next" through the catalog.
	seen := 0
	next := "/api/catalog/entities?filter=kind=component&limit=500"
	for next != "" {
		resp, body := do(t, srv, "GET", next, "", nil)
		var items []json.RawMessage
		if resp.StatusCode != 200 || json.Unmarshal(body, &items) != nil {
			t.Fatalf("GET %s: %d %.200s", next, resp.StatusCode, body)
		}
		seen += len(items)
		next = ""
		if l := resp.Header.Get("Link"); l != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
		}
	}
	if seen != n {
		t.Errorf("paging with limit=500 saw %d entities, want %d", seen, n)
	}
}

// TestAttackLongURL: URLs over 64 KiB are refused before any work, with an
// error body that does not repeat them whole.
func TestAttackLongURL(t *testing.T) {
	base := newTestServer(t, web.Options{Dev: true}, 2)
	srv := withBigHeaders(t, base)
	long := strings.Repeat("a", 70<<10)
	for _, path := range []string{
		"/api/catalog/entities?filter=kind=component&x=" + long,
		"/api/catalog/entities/by-query?fullTextFilterTerm=" + long,
		"/catalog?q=" + long,
		"/" + long,
	} {
		got := send(t, srv, "GET", path, nil)
		if got.Status != http.StatusBadRequest || got.Name != "InputError" || !strings.Contains(got.Msg, "Request URL too long") {
			t.Errorf("GET %.60s...: %d %s %q; want 400 InputError, URL too long", path, got.Status, got.Name, got.Msg)
		}
		if len(got.Body) > 4<<10 {
			t.Errorf("GET %.60s...: the error body has %d bytes; it repeats the URL", path, len(got.Body))
		}
	}
	// Past http.Server.MaxHeaderBytes (1 MiB by default), Go answers 431.
	got := send(t, base, "GET", "/api/catalog/entities?x="+strings.Repeat("a", 2<<20), nil)
	if got.Status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET with a 2 MiB URL: %d, want 431", got.Status)
	}
	// Just under the limit is served.
	mustAccept(t, srv, "GET", "/api/catalog/entities?filter=kind=component&x="+strings.Repeat("a", 60<<10), nil)
}

// TestAttackPageFilterManyValues: the catalog and create pages link every
// selected filter value with the whole selection, so thousands of ?tag=
// values took seconds and megabytes; a filter takes at most 100 values.
func TestAttackPageFilterManyValues(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 2)
	tags := func(n int) string {
		v := url.Values{}
		for i := range n {
			v.Add("tag", fmt.Sprintf("t%d", i))
		}
		return v.Encode()
	}
	for _, page := range []string{"/catalog?", "/create?"} {
		if status, body := getPage(t, srv, page+tags(4000)); status != http.StatusBadRequest || !strings.Contains(body, "select at most 100 values") {
			t.Errorf("GET %s with 4,000 tags: status %d; want 400 naming the bound", page, status)
		}
		if status, _ := getPage(t, srv, page+tags(100)+"&tag=t0"); status != http.StatusOK {
			t.Errorf("GET %s with 100 tags: status %d, want 200", page, status)
		}
	}
}
