package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"callboard"
	"callboard/web"
)

// Backstage's catalog-backend orders GET /entities without order by
// entity_ref ascending, so limit+after pages are the same slices of the
// catalog on both; by-query without orderField goes by uid.
func TestEntitiesDefaultOrderIsByRef(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 12)
	var all []callboard.Entity
	mustGet(t, srv, "/api/catalog/entities", http.StatusOK, &all)
	refs := refsOf(all)
	if len(refs) < 14 {
		t.Fatalf("got %d entities, want the 12 components, the group and the location", len(refs))
	}
	want := slices.Clone(refs)
	slices.Sort(want)
	if !slices.Equal(refs, want) {
		t.Errorf("GET /entities order:\n got %v\nwant %v", refs, want)
	}
	if refs[0] != "component:default/svc-00" || !strings.HasPrefix(refs[len(refs)-1], "location:") {
		t.Errorf("first %s, last %s: want components first and the location last", refs[0], refs[len(refs)-1])
	}

	// Pages of 5, following Link: rel="next", give the same list.
	var paged []string
	next := "/api/catalog/entities?limit=5"
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		var page []callboard.Entity
		h := mustGet(t, srv, next, http.StatusOK, &page)
		paged = append(paged, refsOf(page)...)
		next = ""
		if l := h.Get("Link"); l != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
		}
	}
	if !slices.Equal(paged, refs) {
		t.Errorf("paged:\n got %v\nwant %v", paged, refs)
	}

	// An order still wins; ties go by uid as in Backstage.
	var byName []callboard.Entity
	mustGet(t, srv, "/api/catalog/entities?order=desc:metadata.name&filter=kind=component", http.StatusOK, &byName)
	if got := refsOf(byName); got[0] != "component:default/svc-11" || got[len(got)-1] != "component:default/svc-00" {
		t.Errorf("order=desc:metadata.name: %v", got)
	}

	// by-query without orderField: uid ascending (final_entities.entity_id).
	var q struct{ Items []callboard.Entity }
	mustGet(t, srv, "/api/catalog/entities/by-query?limit=100", http.StatusOK, &q)
	uids := make([]string, len(q.Items))
	for i, e := range q.Items {
		uids[i] = e.Metadata.UID
	}
	if !slices.IsSorted(uids) || len(uids) != len(refs) {
		t.Errorf("by-query uids not ascending: %v", uids)
	}
}

// Facet values come sorted by value within each facet (Backstage's
// ORDER BY key, value), not by count.
func TestEntityFacetsSortedByValue(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 9)
	var got struct {
		Facets map[string][]struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"facets"`
	}
	mustGet(t, srv, "/api/catalog/entity-facets?facet=spec.type&facet=metadata.tags&facet=kind", http.StatusOK, &got)
	for facet, want := range map[string]string{
		"spec.type":     "file:1 library:3 service:6 team:1",
		"metadata.tags": "go:9 t0:5 t1:4",
		"kind":          "Component:9 Group:1 Location:1",
	} {
		var parts []string
		for _, v := range got.Facets[facet] {
			parts = append(parts, v.Value+":"+itoa(int64(v.Count)))
		}
		if s := strings.Join(parts, " "); s != want {
			t.Errorf("facet %s = %s, want %s", facet, s, want)
		}
	}
}

func refsOf(es []callboard.Entity) []string {
	out := make([]string, len(es))
	for i := range es {
		out[i] = strings.ToLower(es[i].Ref().String())
	}
	return out
}
