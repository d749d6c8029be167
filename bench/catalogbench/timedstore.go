package catalogbench

import (
	"context"
	"sync/atomic"
	"time"

	"callboard"
)

// timedStore adds up the wall time the catalog spends in store calls, so
// the ingest figure splits into store and everything else.
type timedStore struct {
	callboard.EntityStore
	writes atomic.Int64 // ns in PutEntities and DeleteEntities
	reads  atomic.Int64 // ns in reads
}

var _ callboard.EntityStore = (*timedStore)(nil)

func since(c *atomic.Int64, start time.Time) { c.Add(int64(time.Since(start))) }

func (s *timedStore) PutEntities(ctx context.Context, es []*callboard.StoredEntity) error {
	defer since(&s.writes, time.Now())
	return s.EntityStore.PutEntities(ctx, es)
}

func (s *timedStore) DeleteEntities(ctx context.Context, refs []string) error {
	defer since(&s.writes, time.Now())
	return s.EntityStore.DeleteEntities(ctx, refs)
}

func (s *timedStore) Entity(ctx context.Context, ref string) (*callboard.StoredEntity, error) {
	defer since(&s.reads, time.Now())
	return s.EntityStore.Entity(ctx, ref)
}

func (s *timedStore) EntitiesByUID(ctx context.Context, uids []string) ([]*callboard.StoredEntity, error) {
	defer since(&s.reads, time.Now())
	return s.EntityStore.EntitiesByUID(ctx, uids)
}

func (s *timedStore) ScanEntities(ctx context.Context, fn func(*callboard.StoredEntity) error) error {
	defer since(&s.reads, time.Now())
	return s.EntityStore.ScanEntities(ctx, fn)
}

func (s *timedStore) EdgesFrom(ctx context.Context, refs []string) ([]callboard.Edge, error) {
	defer since(&s.reads, time.Now())
	return s.EntityStore.EdgesFrom(ctx, refs)
}

func (s *timedStore) Locations(ctx context.Context) ([]callboard.Location, error) {
	defer since(&s.reads, time.Now())
	return s.EntityStore.Locations(ctx)
}

// DeferEdgeOrigins and RebuildEdgeOrigins pass the catalog's first-ingest
// request on to a store that has them.
type bulkLoader interface {
	DeferEdgeOrigins(ctx context.Context) (bool, error)
	RebuildEdgeOrigins(ctx context.Context) error
}

func (s *timedStore) DeferEdgeOrigins(ctx context.Context) (bool, error) {
	if bl, ok := s.EntityStore.(bulkLoader); ok {
		return bl.DeferEdgeOrigins(ctx)
	}
	return false, nil
}

func (s *timedStore) RebuildEdgeOrigins(ctx context.Context) error {
	defer since(&s.writes, time.Now())
	return s.EntityStore.(bulkLoader).RebuildEdgeOrigins(ctx)
}
