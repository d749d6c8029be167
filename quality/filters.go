package quality

import (
	"context"

	"callboard/plugin"
)

// filters are the catalog filters, one per problem:
// /catalog?only=orphan, ownerless, stale, dangling, duplicate.
func (q *Quality) filters() []plugin.CatalogFilter {
	out := make([]plugin.CatalogFilter, 0, len(Problems))
	for _, p := range Problems {
		out = append(out, plugin.CatalogFilter{Param: p, Label: Labels[p], Entities: func(ctx context.Context) ([]string, error) {
			r, err := q.Report(ctx)
			if err != nil {
				return nil, err
			}
			refs := []string{}
			for _, is := range r.Issues[p] {
				refs = append(refs, is.Entity)
			}
			return refs, nil
		}})
	}
	return out
}
