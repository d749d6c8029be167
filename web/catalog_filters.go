package web

import (
	"context"
	"net/http"
	"slices"

	"callboard/index"
	"callboard/plugin"
)

// onlyView is a plugin's catalog filter as the page shows it: a
// checkbox, or with Choices a list to pick from.
type onlyView struct {
	Param, Label string
	Checked      bool
	Pick         bool // a list to pick from, not a checkbox
	Choices      []choiceView
}

type choiceView struct {
	Value, Label string
	Selected     bool
}

// catalogFilters are the enabled plugins' catalog filters, the first of
// each Param.
func (s *Server) catalogFilters() []plugin.CatalogFilter {
	var out []plugin.CatalogFilter
	for _, p := range s.opts.Plugins {
		if p.Instance == nil {
			continue
		}
		for _, f := range p.CatalogFilters {
			if !slices.ContainsFunc(out, func(o plugin.CatalogFilter) bool { return o.Param == f.Param }) {
				out = append(out, f)
			}
		}
	}
	return out
}

// applyCatalogFilters reads the ticked plugin filters (?only=<Param>) into
// p: each narrows the listed entities, and the facets' counts, to the
// uids of the refs its plugin returns. An unknown Param is ignored, as a
// facet value that matches nothing would be; a plugin that fails fails
// the page with its reason.
func (s *Server) applyCatalogFilters(r *http.Request, p *catalogParams) ([]onlyView, error) {
	ctx := r.Context()
	asked := r.URL.Query()["only"]
	var views []onlyView
	for _, f := range s.catalogFilters() {
		on := slices.Contains(asked, f.Param)
		pctx := s.pluginContext(ctx)
		view := onlyView{Param: f.Param, Label: f.Label, Checked: on}
		if f.Choices != nil {
			picked := r.URL.Query().Get(f.Param)
			var choices []plugin.Choice
			err := plugin.Call(pctx, s.pluginTimeout(), func(ctx context.Context) error {
				got, err := f.Choices(ctx)
				choices = got
				return err
			})
			if err != nil {
				return nil, err
			}
			view.Pick = true
			for _, c := range choices {
				view.Choices = append(view.Choices, choiceView{Value: c.Value, Label: c.Label, Selected: c.Value == picked})
			}
			// A value the filter does not offer is ignored, as an
			// unknown Param is.
			on = picked != "" && slices.ContainsFunc(choices, func(c plugin.Choice) bool { return c.Value == picked })
			view.Checked = on
			if on {
				pctx = plugin.WithFilterValue(pctx, picked)
				if p.Picked == nil {
					p.Picked = map[string]string{}
				}
				p.Picked[f.Param] = picked
			}
		}
		views = append(views, view)
		if !on {
			continue
		}
		var refs []string
		err := plugin.Call(pctx, s.pluginTimeout(), func(ctx context.Context) error {
			got, err := f.Entities(ctx)
			refs = got
			return err
		})
		if err != nil {
			return nil, err
		}
		es, err := s.catalog.EntitiesByRefs(ctx, refs, nil)
		if err != nil {
			return nil, err
		}
		uids := []string{} // not nil: no refs keep no entity
		for _, e := range es {
			if e != nil {
				uids = append(uids, e.Metadata.UID)
			}
		}
		if f.Choices == nil {
			p.Only = append(p.Only, f.Param)
		}
		p.Extra = append(p.Extra, index.Condition{Key: "metadata.uid", Values: uids})
	}
	return views, nil
}
