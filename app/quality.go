package app

import (
	"context"

	"callboard"
	"callboard/quality"
)

// newQuality builds the Data quality plugin over the stored catalog (every
// entity, with its orphan flag and last change) and the database; the
// catalog, built after it, reports its good file reads to it
// (catalog.Options.ObserveFile) and deletes the orphans it is asked to.
func (s *server) newQuality() *quality.Quality {
	return quality.New(quality.Sources{
		Entities: func(ctx context.Context) ([]quality.Stored, error) {
			var out []quality.Stored
			err := s.db.ScanEntities(ctx, func(se *callboard.StoredEntity) error {
				e := *se.Entity
				e.Metadata.UID = se.UID
				out = append(out, quality.Stored{Entity: &e, Orphan: se.Orphan, Refreshed: se.UpdatedAt})
				return nil
			})
			return out, err
		},
		Reads:  s.db,
		Delete: func(ctx context.Context, uid string) error { return s.cat.DeleteEntity(ctx, uid) },
		Audit:  s.db,
	})
}
