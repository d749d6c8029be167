package web_test

import (
	"context"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/web"
)

// TestPluginPages: a plugin's pages render inside the portal's frame with
// a sidebar link; a page that fails, panics or hangs is the error page
// with its kind's status, and the server goes on.
func TestPluginPages(t *testing.T) {
	render := func(ctx context.Context, r *http.Request) (plugin.Content, error) {
		switch id := r.PathValue("id"); id {
		case "":
			return plugin.Content{Subtitle: "Every board", Body: template.HTML(`<p id="boards">` + template.HTMLEscapeString(r.URL.Query().Get("q")) + `</p>`)}, nil
		case "boom":
			panic("nil map")
		case "slow":
			<-ctx.Done()
			return plugin.Content{}, ctx.Err()
		default:
			return plugin.Content{}, callboard.Errorf(callboard.NotFound, "no board %q", id)
		}
	}
	p := plugin.Plugin{ID: "boards", Title: "Boards", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
		return &plugin.Instance{Pages: []plugin.Page{
			{Path: "", Title: "Boards", Nav: "Boards", Render: render},
			{Path: "/{id}", Title: "Board", Render: render},
		}}, nil
	}}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), nil, web.Options{Dev: true,
		Plugins: mustEnable(t, p), PluginTimeout: 200 * time.Millisecond}))
	t.Cleanup(srv.Close)
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/boards?q=<b>", 200, []string{"<title>Boards · callboard</title>", `<p class="sub">Every board</p>`, `<p id="boards">&lt;b&gt;</p>`,
			`<a href="/boards" aria-current="page">`}},
		{"/boards/nope", 404, []string{`no board &#34;nope&#34;`}},
		{"/boards/boom", 500, []string{"internal error"}},
		{"/boards/slow", 503, []string{"no answer within 200ms"}},
		{"/settings", 200, []string{`<a href="/boards"><svg`}}, // the sidebar link on every page, not current
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}
