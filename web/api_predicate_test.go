package web_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard/web"
)

func TestPredicateQueryAndCursor(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true}, 9)
	post := func(body any) queryResponse {
		t.Helper()
		resp, b := do(t, srv, "POST", "/api/catalog/entities/by-query", "", body)
		if resp.StatusCode != 200 {
			t.Fatalf("POST by-query: %d %s", resp.StatusCode, b)
		}
		var r queryResponse
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := post(map[string]any{
		"query":   map[string]any{"$all": []any{map[string]any{"kind": "component"}, map[string]any{"$not": map[string]any{"spec.type": "library"}}}},
		"orderBy": []any{map[string]any{"field": "metadata.name", "order": "asc"}},
		"limit":   4,
	})
	if first.TotalItems != 6 {
		t.Errorf("totalItems = %d, want the 6 services", first.TotalItems)
	}
	if diff := cmp.Diff([]string{"svc-00", "svc-01", "svc-03", "svc-04"}, names(first)); diff != "" {
		t.Errorf("page 1 (-want +got):\n%s", diff)
	}
	next := post(map[string]any{"cursor": first.PageInfo["nextCursor"], "limit": 4})
	if diff := cmp.Diff([]string{"svc-06", "svc-07"}, names(next)); diff != "" {
		t.Errorf("page 2 (-want +got):\n%s", diff)
	}
	if next.PageInfo["nextCursor"] != "" || next.PageInfo["prevCursor"] == "" {
		t.Errorf("page 2 pageInfo = %v", next.PageInfo)
	}

	resp, b := do(t, srv, "POST", "/api/catalog/entity-facets", "", map[string]any{"facets": []string{"spec.type"}, "query": map[string]any{"kind": "component"}})
	if resp.StatusCode != 200 {
		t.Fatalf("POST entity-facets: %d %s", resp.StatusCode, b)
	}
	var facets struct {
		Facets map[string][]struct {
			Value string
			Count int
		}
	}
	json.Unmarshal(b, &facets)
	if got := facets.Facets["spec.type"]; len(got) != 2 || got[1].Value != "service" || got[1].Count != 6 || got[0].Value != "library" {
		t.Errorf("facets = %+v", got)
	}
	if resp, _ := do(t, srv, "POST", "/api/catalog/entities/by-query", "", map[string]any{"query": map[string]any{"$bad": 1}}); resp.StatusCode != 400 {
		t.Errorf("unknown operator: status %d, want 400", resp.StatusCode)
	}
	resp, b = do(t, srv, "POST", "/api/catalog/locations/by-query", "", map[string]any{"query": map[string]any{"type": "url"}})
	if resp.StatusCode != 200 || string(b) != "{\"items\":[],\"pageInfo\":{},\"totalItems\":0}\n" {
		t.Errorf("locations by-query: %d %s", resp.StatusCode, b)
	}
}
