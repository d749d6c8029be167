package plugintest_test

import (
	"context"
	"html/template"
	"strings"
	"testing"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/plugintest"
	"callboard/plugin/ui"
)

// TestTabReadsQuery: a tab's Render sees the page's query parameters
// through plugin.Query (for paging, or one item of a list), escaped as
// any text.
func TestTabReadsQuery(t *testing.T) {
	p := plugin.Plugin{ID: "pager", Title: "Pager", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{Tabs: []plugin.Tab{{ID: "pages", Title: "Pages",
			Render: func(ctx context.Context, _ *callboard.Entity) (template.HTML, error) {
				return ui.Text("page=[" + plugin.Query(ctx).Get("page") + "]"), nil
			}}}}, nil
	}}
	portal := plugintest.New(t, p, plugintest.Options{Catalog: "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc}\nspec: {type: service, lifecycle: production, owner: group:default/team}\n"})
	tests := []struct{ name, query, want string }{
		{"none", "", "page=[]"},
		{"page 2", "?page=2", "page=[2]"},
		{"escaped", "?page=%3Cb%3E", "page=[&lt;b&gt;]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, body := portal.Get(t, "/catalog/default/component/svc/pages"+tc.query, callboard.Principal{})
			if !strings.Contains(body, tc.want) {
				t.Errorf("the tab lacks %q", tc.want)
			}
		})
	}
}
