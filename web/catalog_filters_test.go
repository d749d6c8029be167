package web_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"callboard"
	"callboard/plugin"
	"callboard/web"
)

// filterPlugin offers two catalog filters: "even" keeps five components
// (and a ref the catalog does not know), "none" keeps nothing, "broken"
// fails.
func filterPlugin() plugin.Plugin {
	return plugin.Plugin{ID: "flags", Title: "Flags", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{CatalogFilters: []plugin.CatalogFilter{
			{Param: "even", Label: "Even services", Entities: func(context.Context) ([]string, error) {
				return []string{"component:default/svc-00", "component:default/svc-02", "component:default/svc-04",
					"component:default/svc-06", "component:default/svc-08", "component:default/gone"}, nil
			}},
			{Param: "none", Label: "Nothing", Entities: func(context.Context) ([]string, error) { return nil, nil }},
			{Param: "broken", Label: "Broken", Entities: func(context.Context) ([]string, error) {
				return nil, callboard.Errorf(callboard.Upstream, "the flag service does not answer")
			}},
			// A pick list: the services whose number ends in the digit picked.
			{Param: "digit", Label: "Last digit", Choices: func(context.Context) ([]plugin.Choice, error) {
				return []plugin.Choice{{Value: "1", Label: "one"}, {Value: "3", Label: "three"}}, nil
			}, Entities: func(ctx context.Context) ([]string, error) {
				d := plugin.FilterValue(ctx)
				return []string{"component:default/svc-0" + d, "component:default/svc-1" + d}, nil
			}},
		}}, nil
	}}
}

var listedRef = regexp.MustCompile(`title="component:default/(svc-\d+)"`)

func TestCatalogPluginFilterNarrowsThePage(t *testing.T) {
	srv := newTestServer(t, web.Options{Dev: true, Plugins: mustEnable(t, filterPlugin())}, 12)
	tests := []struct {
		name, query string
		status      int
		listed      string // the names on the page
		has         []string
	}{
		{"not ticked", "?kind=component&size=3", 200, "svc-00 svc-01 svc-02", []string{`name="only" value="even"`, "Even services", "1–3 of 12"}},
		{"ticked", "?only=even", 200, "svc-00 svc-02 svc-04 svc-06 svc-08", []string{`name="only" value="even" checked`, "1–5 of 5"}},
		{"second page keeps it", "?only=even&size=2&page=2", 200, "svc-04 svc-06", []string{"3–4 of 5", "only=even&amp;page=3&amp;size=2", "only=even&amp;size=2"}},
		{"with a facet", "?only=even&type=library", 200, "svc-02 svc-08", []string{"1–2 of 2"}},
		{"keeps nothing", "?only=none", 200, "", []string{"No entities"}},
		{"unknown filter ignored", "?only=odd&kind=component&size=1", 200, "svc-00", []string{"1–1 of 12"}},
		{"plugin fails", "?only=broken", http.StatusServiceUnavailable, "", []string{"the flag service does not answer"}},
		{"pick list offered", "?kind=component&size=1", 200, "svc-00", []string{`<select id="only-digit" name="digit">`, `<option value="3">three</option>`}},
		{"picked", "?digit=1", 200, "svc-01 svc-11", []string{`<option value="1" selected>one</option>`, "1–2 of 2"}},
		{"picked, paged", "?digit=1&size=1", 200, "svc-01", []string{"digit=1&amp;kind=component&amp;page=2&amp;size=1"}},
		{"picked with a checkbox", "?digit=3&only=even", 200, "", []string{"No entities"}},
		{"value not offered ignored", "?digit=7&kind=component&size=1", 200, "svc-00", []string{"1–1 of 12"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(srv.URL + "/catalog" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body := string(b)
			if res.StatusCode != tc.status {
				t.Fatalf("GET /catalog%s = %d, want %d\n%s", tc.query, res.StatusCode, tc.status, body)
			}
			var got []string
			for _, m := range listedRef.FindAllStringSubmatch(body, -1) {
				got = append(got, m[1])
			}
			if tc.status == 200 && strings.Join(got, " ") != tc.listed {
				t.Errorf("listed %q, want %q", strings.Join(got, " "), tc.listed)
			}
			for _, h := range tc.has {
				if !strings.Contains(body, h) {
					t.Errorf("page lacks %q: %s", h, regexp.MustCompile(`<h2 id="results-h">[^<]*`).FindString(body))
				}
			}
		})
	}
}
