package catalog

import (
	"context"
	"fmt"
	"time"

	"callboard"
)

// storedBatch is a batch once the store holds it: what the index is given.
type storedBatch struct {
	puts    []*callboard.StoredEntity // as stored: uid, etag and status set
	queued  map[string]*callboard.StoredEntity
	deletes map[string]string // ref -> uid
	touched map[int32]bool    // relations changed
}

// flush writes a batch to the store, then to the index. The graph holds
// the batch already: when the store refuses it (the database went away),
// its refs are marked stale, and the next processing pass or change
// applied re-reads them from the store first (resync), so that the graph
// does not claim what the store lacks.
func (s *Service) flush(ctx context.Context, b *batch) error {
	sb, err := s.writeStore(ctx, b)
	if err != nil {
		s.markStale(b.refs())
		return err
	}
	s.writeIndex(sb)
	return nil
}

// refs lists the refs b puts or deletes.
func (b *batch) refs() []string {
	refs := make([]string, 0, len(b.puts)+len(b.deletes))
	for ref := range b.puts {
		refs = append(refs, ref)
	}
	for ref := range b.deletes {
		refs = append(refs, ref)
	}
	return refs
}

// writer flushes the batches a processing pass hands it, in order, on two
// goroutines: one writes batch k+1 to the store while the other gives
// batch k to the index, and the pass applies batch k+2 meanwhile. The
// index takes a batch only once the store holds it, as flush does.
type writer struct {
	in   chan *batch
	done chan error // the first store error, once every batch is flushed
}

// startWriter starts a writer; last, if set, runs once the last batch is
// stored, while the index takes it. With relEvery set, the relations that
// batches changed on entities of earlier batches are given to the index
// at most that often, and all of them once the last batch is indexed.
func (s *Service) startWriter(ctx context.Context, last func() error, relEvery time.Duration) *writer {
	w := &writer{in: make(chan *batch), done: make(chan error, 1)}
	stored := make(chan *storedBatch)
	var first error
	go func() {
		defer close(stored)
		if last != nil {
			defer func() {
				if err := last(); err != nil && first == nil {
					first = err
				}
			}()
		}
		for b := range w.in {
			sb, err := s.writeStore(ctx, b)
			if err != nil {
				s.markStale(b.refs())
				if first == nil {
					first = err
				}
				continue
			}
			stored <- sb
		}
	}()
	go func() {
		// A group that owns a thousand components has its relations
		// changed by every batch of a first ingest: while the next batch
		// waits already, the relations wait with it and are set once.
		touched := map[int32]bool{}
		lastSet := time.Now()
		for sb := range stored {
			s.indexBatch(sb, touched)
		waiting:
			for {
				select {
				case next, ok := <-stored:
					if !ok {
						break waiting
					}
					s.indexBatch(next, touched)
				default:
					break waiting
				}
			}
			if time.Since(lastSet) >= relEvery {
				s.setRelations(touched)
				lastSet = time.Now()
			}
		}
		s.setRelations(touched)
		w.done <- first // written before stored closed
	}()
	return w
}

// put hands b over; b is not used by the caller afterwards.
func (w *writer) put(b *batch) { w.in <- b }

// wait returns the first store error once every batch is flushed.
func (w *writer) wait() error {
	close(w.in)
	return <-w.done
}

// writeStore writes a batch to the store and returns what the index is
// then to be given, nil when nothing changed.
func (s *Service) writeStore(ctx context.Context, b *batch) (*storedBatch, error) {
	if len(b.puts) == 0 && len(b.deletes) == 0 && len(b.touched) == 0 {
		return nil, nil
	}
	puts := make([]*callboard.StoredEntity, 0, len(b.puts))
	var missing []string
	for _, se := range b.puts {
		puts = append(puts, se)
		if se.Entity == nil {
			missing = append(missing, se.UID)
		}
	}
	if len(missing) > 0 {
		stored, err := s.store.EntitiesByUID(ctx, missing)
		if err != nil {
			return nil, err
		}
		byUID := map[string]*callboard.Entity{}
		for _, st := range stored {
			if st != nil {
				byUID[st.UID] = st.Entity
			}
		}
		kept := puts[:0]
		for _, se := range puts {
			if se.Entity == nil {
				se.Entity = byUID[se.UID]
			}
			if se.Entity != nil {
				kept = append(kept, se)
			}
		}
		puts = kept
	}
	s.mu.RLock()
	for i, se := range puts {
		e := *se.Entity
		e.Metadata.UID, e.Metadata.Etag = se.UID, newEtag()
		e.Relations, e.Status = nil, nil
		if n, ok := s.g.lookup(se.Ref); ok {
			if items := append(append([]callboard.StatusItem{}, n.own()...), n.locErrs()...); len(items) > 0 {
				e.Status = &callboard.Status{Items: items}
			}
		}
		c := *se
		c.Entity = &e
		puts[i] = &c
	}
	s.mu.RUnlock()
	for i := 0; i < len(puts); i += putChunk {
		if err := s.store.PutEntities(ctx, puts[i:min(i+putChunk, len(puts))]); err != nil {
			return nil, fmt.Errorf("write entities: %w", err)
		}
	}
	if len(b.deletes) > 0 {
		refs := make([]string, 0, len(b.deletes))
		for ref := range b.deletes {
			refs = append(refs, ref)
		}
		if err := s.store.DeleteEntities(ctx, refs); err != nil {
			return nil, fmt.Errorf("delete entities: %w", err)
		}
	}
	return &storedBatch{puts: puts, queued: b.puts, deletes: b.deletes, touched: b.touched}, nil
}

// writeIndex gives a stored batch to the index, with the relations read
// from the graph now: a batch flushed later sets whatever changed since.
func (s *Service) writeIndex(sb *storedBatch) {
	touched := map[int32]bool{}
	s.indexBatch(sb, touched)
	s.setRelations(touched)
}

// indexBatch gives the index a stored batch's puts and deletes, and adds
// to touched the other entities whose relations it changed.
func (s *Service) indexBatch(sb *storedBatch, touched map[int32]bool) {
	if sb == nil {
		return
	}
	finals := make([]*callboard.Entity, len(sb.puts))
	s.mu.RLock()
	for i, se := range sb.puts {
		finals[i] = s.final(se)
	}
	for id := range sb.touched {
		if sb.queued[s.g.refs[id]] == nil {
			touched[id] = true
		}
	}
	s.mu.RUnlock()
	s.idx.PutMany(finals)
	for _, uid := range sb.deletes {
		s.idx.Delete(uid)
	}
	s.changed(sb.puts, sb.deletes)
}

// setRelations gives the index the relations of the touched entities, as
// the graph holds them now, and empties touched. The relations are read
// under s.mu and given to the index after: applying the next batch takes
// s.mu, and would wait for the index otherwise.
func (s *Service) setRelations(touched map[int32]bool) {
	type relations struct {
		uid  string
		rels []callboard.Relation
	}
	var all []relations
	s.mu.RLock()
	for id := range touched {
		if n := s.g.nodes[id]; n != nil {
			all = append(all, relations{n.uid, s.g.relations(s.g.refs[id])})
		}
	}
	s.mu.RUnlock()
	clear(touched)
	for _, t := range all {
		s.idx.SetRelations(t.uid, t.rels)
	}
}

// bulkLoader is a store that can index edge origins once, at the end of a
// first ingest, rather than at each write (store.DB on SQLite).
type bulkLoader interface {
	DeferEdgeOrigins(ctx context.Context) (bool, error)
	RebuildEdgeOrigins(ctx context.Context) error
}

// deferEdgeOrigins asks the store to index edge origins at the end of a
// first ingest; it returns the func that does it, or nil.
func (s *Service) deferEdgeOrigins(ctx context.Context) func() error {
	bl, ok := s.store.(bulkLoader)
	if !ok {
		return nil
	}
	if deferred, err := bl.DeferEdgeOrigins(ctx); err != nil || !deferred {
		return nil
	}
	return func() error {
		if err := bl.RebuildEdgeOrigins(ctx); err != nil {
			return fmt.Errorf("index edge origins: %w", err)
		}
		return nil
	}
}
