package web

import (
	"context"
	"html/template"
	"strconv"
	"strings"
	"sync"

	"callboard"
	"callboard/plugin"
	pluginui "callboard/plugin/ui"
)

// Plugin tabs and cards (package plugin) on entity pages. Each render runs
// through plugin.Call: concurrently with the others, bounded by the plugin
// timeout, a panic caught. One that fails, hangs or panics becomes "<title>
// is unavailable: <reason>" in its own panel; the page still renders.

// pluginBlock is a rendered tab or card.
type pluginBlock struct {
	ID, Title string
	HTML      template.HTML // the plugin's body, or the unavailable panel
	Failed    bool
	Wide      bool
}

// renderBlock renders one tab or card of plugin p.
func (s *Server) renderBlock(ctx context.Context, p plugin.Enabled, id, title string, wide bool, e *callboard.Entity,
	render func(context.Context, *callboard.Entity) (template.HTML, error)) pluginBlock {
	b := pluginBlock{ID: id, Title: title, Wide: wide}
	var body template.HTML // read only when Call returned render's answer
	err := plugin.Call(s.pluginContext(ctx), s.opts.PluginTimeout, func(ctx context.Context) error {
		h, err := render(ctx, e)
		body = h
		return err
	})
	if err != nil {
		if callboard.ErrorKind(err) == callboard.Internal {
			s.log.Error("entity plugin failed", "plugin", p.ID, "panel", id, "entity", e.Ref().String(), "err", err)
		}
		b.HTML, b.Failed = pluginui.Unavailable(title, callboard.ErrorMessage(err)), true
		return b
	}
	b.HTML = body
	return b
}

// pluginContext gives renders and routes plugin.Allowed: the policy's
// decisions for the caller of ctx.
func (s *Server) pluginContext(ctx context.Context) context.Context {
	az := s.opts.Authorizer
	if az == nil {
		return ctx
	}
	return plugin.WithAuthorizer(ctx, func(perm string, e *callboard.Entity) bool {
		ok, err := az.Authorize(ctx, callboard.PrincipalFrom(ctx), perm, e)
		if err != nil {
			s.log.Warn("permission check failed", "permission", perm, "err", err)
		}
		return err == nil && ok
	})
}

// pluginTab is a plugin's tab with its plugin.
type pluginTab struct {
	plugin.Tab
	p plugin.Enabled
}

// pluginTabs lists the tabs of every plugin, in plugin order.
func (s *Server) pluginTabs() []pluginTab {
	var out []pluginTab
	for _, p := range s.opts.Plugins {
		for _, t := range p.Tabs {
			out = append(out, pluginTab{t, p})
		}
	}
	return out
}

// renderTab renders the plugin tab id for e; nil when no plugin has it.
func (s *Server) renderTab(ctx context.Context, e *callboard.Entity, id string) *pluginBlock {
	for _, t := range s.pluginTabs() {
		if t.ID == id {
			b := s.renderBlock(ctx, t.p, t.ID, t.Title, true, e, t.Render)
			return &b
		}
	}
	return nil
}

// renderCards renders, at once, the Overview cards that apply to e, in
// plugin order.
func (s *Server) renderCards(ctx context.Context, e *callboard.Entity) []pluginBlock {
	type job struct {
		p plugin.Enabled
		c plugin.Card
	}
	var jobs []job
	for _, p := range s.opts.Plugins {
		for _, c := range p.Cards {
			if applies(c.Applies, e) {
				jobs = append(jobs, job{p, c})
			}
		}
	}
	out := make([]pluginBlock, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { out[i] = s.renderBlock(ctx, j.p, j.c.ID, j.c.Title, j.c.Wide, e, j.c.Render) })
	}
	wg.Wait()
	return out
}

func applies(f func(*callboard.Entity) bool, e *callboard.Entity) bool {
	return f == nil || f(e)
}

// checkTabs panics on a plugin tab without an ID or with a taken one.
func checkTabs(plugins []plugin.Enabled) {
	seen := map[string]bool{tabOverview: true, tabRelations: true, tabAPIs: true, tabDependencies: true, tabDefinition: true, "unregister": true, "star": true}
	for alias := range tabAliases {
		seen[alias] = true
	}
	for _, p := range plugins {
		for _, t := range p.Tabs {
			if t.ID == "" || seen[t.ID] || strings.ContainsAny(t.ID, "/?#") {
				panic("web: plugin " + p.ID + ": entity tab ID " + strconv.Quote(t.ID) + " is empty, invalid or taken")
			}
			seen[t.ID] = true
		}
	}
}
