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
// stored, while the index takes it and the relations its batches changed.
// With relEvery set, the relations that batches changed on entities of
// earlier batches are given to the index at most that often, and all of
// them once the last batch is indexed.
func (s *Service) startWriter(ctx context.Context, last func() error, relEvery time.Duration) *writer {
	w := &writer{in: make(chan *batch), done: make(chan error, 1)}
	stored := make(chan *storedBatch)
	storeDone := make(chan error, 1) // the first store error
	go func() {
		var first error
		// The index's last work (the relations of a whole first ingest's
		// last stretch: 69,000 entities at 100k) need not wait for last
		// (the edge origins' rebuild): the two ran one after the other
		// with one CPU idle.
		defer func() {
			close(stored)
			if last != nil {
				if err := last(); err != nil && first == nil {
					first = err
				}
			}
			storeDone <- first
		}()
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
		// A round of them is given to the index a slice at a time, while
		// no batch waits: set at once, a round held the index for seconds,
		// and the store, the pass and the readers all stopped behind it (at
		// a million entities, one of the two CPUs idled for a fifth of the
		// ingest). A round still unfinished after relEvery is finished at
		// once, so that relation filters are never more than twice that
		// behind.
		touched := map[int32]bool{}
		var round []int32 // ids of the round being set
		lastSet := time.Now()
		for {
			var sb *storedBatch
			ok := true
			if len(round) > 0 {
				select {
				case sb, ok = <-stored:
				default:
					round = s.setRelations(round, relationsSlice)
					continue
				}
				if time.Since(lastSet) >= relEvery {
					round = s.setRelations(round, len(round))
				}
			} else {
				sb, ok = <-stored
			}
			if !ok {
				break
			}
			s.indexBatch(sb, touched)
			if len(round) == 0 && time.Since(lastSet) >= relEvery {
				round = takeTouched(round, touched)
				lastSet = time.Now()
			}
		}
		round = takeTouched(round, touched)
		for len(round) > 0 {
			round = s.setRelations(round, relationsSlice)
		}
		w.done <- <-storeDone
	}()
	return w
}

// relationsSlice is how many entities' relations are set between batches.
const relationsSlice = 500

// takeTouched appends the touched ids to round and empties touched.
func takeTouched(round []int32, touched map[int32]bool) []int32 {
	for id := range touched {
		round = append(round, id)
	}
	clear(touched)
	return round
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
	round := takeTouched(nil, touched)
	s.setRelations(round, len(round))
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

// setRelations gives the index the relations of the last n ids of round
// (all of them if fewer), as the graph holds them now, and returns the
// rest of round. The relations are read under s.mu and given to the index
// after: applying the next batch takes s.mu, and would wait for the index
// otherwise.
func (s *Service) setRelations(round []int32, n int) []int32 {
	type relations struct {
		uid  string
		rels []callboard.Relation
	}
	rest := round[:max(0, len(round)-n)]
	all := make([]relations, 0, len(round)-len(rest))
	s.mu.RLock()
	for _, id := range round[len(rest):] {
		if n := s.g.nodes[id]; n != nil {
			all = append(all, relations{n.uid, s.g.relations(s.g.refs[id])})
		}
	}
	s.mu.RUnlock()
	for _, t := range all {
		s.idx.SetRelations(t.uid, t.rels)
	}
	return rest
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
