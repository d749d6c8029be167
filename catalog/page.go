package catalog

import (
	"context"

	"callboard/index"
)

// QueryPage is Query returning only the uids of the page and the total:
// list endpoints then fetch the entities a chunk at a time with
// RawEntitiesByUID, so a page of the whole catalog is never held at once.
func (s *Service) QueryPage(ctx context.Context, q index.Query) (index.Page, error) {
	if err := s.waitLoaded(ctx); err != nil {
		return index.Page{}, err
	}
	if err := narrow(ctx, &q); err != nil {
		return index.Page{}, err
	}
	return s.idx.Query(q)
}
