package catalog

import (
	"context"

	"callboard"
	"callboard/index"
)

// EntitiesWith returns every entity (that ctx may read) having one of the
// search keys, in uid order: plugins' jobs go through the entities of
// their system with it (plugin.Catalog).
func (s *Service) EntitiesWith(ctx context.Context, keys ...string) ([]*callboard.Entity, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	f := make(index.Filter, len(keys))
	for i, k := range keys {
		f[i] = []index.Condition{{Key: k}}
	}
	es, _, err := s.Query(ctx, index.Query{Filter: f})
	return es, err
}
