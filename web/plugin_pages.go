package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"runtime/debug"

	"callboard"
	"callboard/plugin"
)

// Plugin pages (plugin.Page) at /<id><path>, inside the portal's frame.

// pluginPageView is the plugin_page template's Data.
type pluginPageView struct {
	Body template.HTML
}

// pluginPages mounts every enabled plugin's pages.
func (s *Server) pluginPages(mux *http.ServeMux) {
	for _, p := range s.opts.Plugins {
		for _, pg := range p.Pages {
			mux.Handle("GET /"+p.ID+pg.Path, s.page(s.pluginPage(p, pg)))
		}
	}
}

// pluginPage renders the plugin's page, bounded by the plugin timeout; a
// panic is an Internal error.
func (s *Server) pluginPage(p plugin.Enabled, pg plugin.Page) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var c plugin.Content
		err := plugin.Call(s.pluginContext(r.Context()), s.pluginTimeout(), func(ctx context.Context) (err error) {
			defer func() {
				if v := recover(); v != nil {
					err = callboard.Wrap(callboard.Internal, fmt.Errorf("plugin %s panicked: %v\n%s", p.ID, v, debug.Stack()), "panic")
				}
			}()
			got, err := pg.Render(ctx, r.WithContext(ctx))
			c = got
			return err
		})
		if err != nil {
			return err
		}
		title := c.Title
		if title == "" {
			title = pg.Title
		}
		return s.render(w, r, http.StatusOK, "plugin_page", "", &page{Title: title, Subtitle: c.Subtitle, Nav: "plugin:" + p.ID,
			Data: pluginPageView{Body: c.Body}})
	}
}

// pluginNav is the sidebar's links to plugin pages, after the built-in
// ones; active names the page shown (page.Nav).
func (s *Server) pluginNav(active string) []navItem {
	var out []navItem
	for _, p := range s.opts.Plugins {
		for _, pg := range p.Pages {
			if pg.Nav == "" {
				continue
			}
			icon := pg.Icon
			if icon == "" {
				icon = "gauge"
			}
			out = append(out, navItem{URL: "/" + p.ID, Icon: icon, Label: pg.Nav, Active: active == "plugin:"+p.ID})
		}
	}
	return out
}
