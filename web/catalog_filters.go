package web

import (
	"context"
	"net/http"
	"slices"

	"callboard/index"
	"callboard/plugin"
)

// onlyView is a plugin's catalog filter as the page shows it.
type onlyView struct {
	Param, Label string
	Checked      bool
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
		views = append(views, onlyView{Param: f.Param, Label: f.Label, Checked: on})
		if !on {
			continue
		}
		var refs []string
		err := plugin.Call(s.pluginContext(ctx), s.pluginTimeout(), func(ctx context.Context) error {
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
		p.Only = append(p.Only, f.Param)
		p.Extra = append(p.Extra, index.Condition{Key: "metadata.uid", Values: uids})
	}
	return views, nil
}
