package catalog

import (
	"context"
	"time"

	"callboard"
)

// roots returns the generated Location entities of every static and
// registered location.
func (s *Service) roots(ctx context.Context) ([]*callboard.Entity, error) {
	var out []*callboard.Entity
	for _, l := range s.opts.Locations {
		out = append(out, rootEntity(l.Type, l.Target))
	}
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range locs {
		out = append(out, rootEntity(l.Type, l.Target))
	}
	return out, nil
}

func parentOf(root *callboard.Entity) parentLoc {
	return rootParent(root.Ref().String(), locationOf(root), root.Annotation(callboard.AnnotationManagedByOriginLocation))
}

// ProcessAll reads every location and applies what changed. With force,
// every file is read again; otherwise files whose size and modification
// time did not change are skipped. Failures are recorded on the Location
// entities, not returned; only store errors are.
func (s *Service) ProcessAll(ctx context.Context, force bool) error {
	if err := s.Load(ctx); err != nil {
		return err
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if err := s.resync(ctx); err != nil {
		return err
	}
	first := s.Len() == 0
	if first {
		defer s.limitMemory()()
	}
	start := time.Now()
	roots, err := s.roots(ctx)
	if err != nil {
		return err
	}
	roots = append(roots, s.providerRoots()...)
	parents := make([]parentLoc, len(roots))
	for i, r := range roots {
		parents[i] = parentOf(r)
	}
	// Reads stream in and are applied and written in chunks, so that the
	// memory of a first ingest is bounded whatever the catalog's size.
	reads := make(chan *fileRead, 64)
	walked := make(chan *walkResult, 1)
	go func() {
		walked <- s.walk(ctx, parents, force, false, reads)
		close(reads)
	}()
	b := newBatch()
	s.mu.Lock()
	s.applyRoots(b, roots)
	s.mu.Unlock()
	// The writer flushes chunks in order while the next chunk is read and
	// applied: parsing, store writes and index updates overlap.
	var last func() error
	var relEvery time.Duration
	if first {
		last, relEvery = s.deferEdgeOrigins(ctx), firstIngestRelEvery
	}
	w := s.startWriter(ctx, last, relEvery)
	handOff := func() {
		w.put(&batch{puts: b.puts, deletes: b.deletes, touched: b.touched})
		b.flushed()
	}
	var chunk []*fileRead
	files, written, deleted, pending := 0, 0, 0, 0
	apply := func() {
		s.mu.Lock()
		s.applyReads(ctx, b, chunk)
		s.mu.Unlock()
		written, deleted = written+len(b.puts), deleted+len(b.deletes)
		handOff()
		chunk, pending = chunk[:0], 0
	}
	for fr := range reads {
		files++
		chunk = append(chunk, fr)
		if pending += len(fr.docs); pending >= applyChunk {
			apply()
		}
	}
	apply()
	wr := <-walked
	s.mu.Lock()
	s.finish(ctx, b, wr)
	if force {
		s.dropStaleRoots(b, roots)
	}
	s.mu.Unlock()
	written, deleted = written+len(b.puts), deleted+len(b.deletes)
	handOff()
	if flushErr := w.wait(); flushErr != nil {
		s.log.Error("catalog: store write failed", "err", flushErr)
		return flushErr
	}
	if written+deleted > 0 {
		s.log.Info("catalog: processed", "files", files, "written", written,
			"deleted", deleted, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// firstIngestRelEvery is how often a first ingest gives the index the
// relations its batches add to entities of earlier batches. A team gains
// a relation from each of its components, which a file tree spreads over
// the whole ingest, and each time all of its relations are indexed again:
// at a million entities that was 32 s of CPU on the ingest's slowest
// stage (the index) with a set after every 5,000-entity batch, 22 s with
// one every 30 s. Meanwhile relation filters (relations.ownedBy=...) miss
// what an entity gained since it was indexed, at most twice this long (a
// round is set between batches, and at once if it is not done within this
// long: flush.go); by-name and list answers take relations from the graph
// and are never behind; every entity has all of them in the index when
// ProcessAll returns.
const firstIngestRelEvery = 30 * time.Second

// applyChunk is how many read entities are applied and written at once,
// each chunk in one store transaction. On SQLite each commit writes every
// page it changed again, which made larger chunks of a first ingest
// cheaper (20,000 then) while edge_origins, whose keys are random, was
// written at each; it is written once at the end now (store.
// DeferEdgeOrigins), and at 100,000 entities 5,000 a chunk writes as many
// bytes as 20,000 (285 against 279 MB) while holding a quarter of the
// entities in flight: the first ingest's memory limit can then leave the
// heap twice the live heap (memlimit.go) for about the same peak RSS.
// With the index and graph compacted, the chunks in flight (one being
// applied, one being stored, one being indexed) were a larger share of
// the ingest's peak; at 2,500 (two runs each, 100,000 entities) the
// ingest peaked at 387-402 MB RSS against 407-447 MB, in the same time
// (8.95-10.1 s against 8.5-10.3 s) writing 291 MB against 285.
const applyChunk = 2500

// dropStaleRoots deletes generated root Locations that no static or
// registered location backs any more, with everything only they emitted.
func (s *Service) dropStaleRoots(b *batch, roots []*callboard.Entity) {
	keep := map[string]bool{}
	for _, r := range roots {
		keep[r.Ref().String()] = true
	}
	b.eager = true
	for id, n := range s.g.nodes {
		if n.kind == "location" && len(n.parents) == 0 && !keep[s.g.refs[id]] {
			s.deleteNode(b, n)
		}
	}
	s.settleOrphans(context.Background(), b)
	b.eager = false
}

// refreshRef re-reads the file an entity came from (and, for a Location,
// its targets), whatever the file's modification time.
func (s *Service) refreshRef(ctx context.Context, ref string) {
	if err := s.Load(ctx); err != nil {
		return
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.mu.RLock()
	n, ok := s.g.lookup(ref)
	var parents []parentLoc
	if ok {
		for _, p := range n.parents {
			if pn := s.g.nodes[p]; pn != nil && pn.loc() != nil {
				parents = append(parents, s.parentFor(p, pn))
			}
		}
		if n.loc() != nil {
			parents = append(parents, s.parentFor(n.id, n))
		}
	}
	s.mu.RUnlock()
	if len(parents) == 0 {
		return
	}
	w := s.walk(ctx, parents, true, false, nil)
	b := newBatch()
	s.mu.Lock()
	s.apply(ctx, b, nil, w)
	s.mu.Unlock()
	if err := s.flush(ctx, b); err != nil {
		s.log.Error("catalog: store write failed", "err", err)
	}
}

// parentFor rebuilds the walk root of a known Location node, with the
// root and refusal it inherits down its first parents. The caller holds
// s.mu.
func (s *Service) parentFor(id int32, n *node) parentLoc {
	var chain []int32 // from id up to its root
	for c, depth := id, 0; depth <= 32; depth++ {
		cn := s.g.nodes[c]
		if cn == nil || cn.loc() == nil {
			break
		}
		chain = append(chain, c)
		if len(cn.parents) == 0 {
			break
		}
		c = cn.parents[0]
	}
	if len(chain) == 0 {
		return parentLoc{ref: s.g.refs[id], spec: n.loc(), refused: refuse("the Location's origin is unknown")}
	}
	top := chain[len(chain)-1]
	p := rootParent(s.g.refs[top], s.g.nodes[top].loc(), "")
	if len(s.g.nodes[top].parents) == 0 {
		p.origin = s.g.nodes[top].locationKey
	} else {
		// The chain is broken (a parent that is not a Location): no root.
		p.refused = refuse("the Location's origin is unknown; refresh the location it comes from")
	}
	for i := len(chain) - 2; i >= 0; i-- {
		p = childOf(p, s.g.refs[chain[i]], s.g.nodes[chain[i]].loc())
	}
	p.depth = 0
	return p
}

// Refresh schedules the entity for processing now, as POST /refresh does.
func (s *Service) Refresh(ctx context.Context, ref string) error {
	r, err := callboard.ParseRef(ref, "", "")
	if err != nil {
		return err
	}
	s.mu.RLock()
	_, ok := s.g.lookup(r.String())
	s.mu.RUnlock()
	if !ok {
		return callboard.Errorf(callboard.NotFound, "No entity named '%s' found, with kind '%s' in namespace '%s'", r.Name, r.Kind, r.Namespace)
	}
	select {
	case s.refresh <- r.String():
	default:
		go s.refreshRef(context.WithoutCancel(ctx), r.String())
	}
	return nil
}

// markStale records refs whose graph state may differ from the store's.
func (s *Service) markStale(refs []string) {
	s.staleMu.Lock()
	defer s.staleMu.Unlock()
	for _, ref := range refs {
		s.stale[ref] = true
	}
}

// resync re-reads the stale refs from the store. The caller holds runMu.
func (s *Service) resync(ctx context.Context) error {
	s.staleMu.Lock()
	refs := make([]string, 0, len(s.stale))
	for ref := range s.stale {
		refs = append(refs, ref)
	}
	clear(s.stale)
	s.staleMu.Unlock()
	if len(refs) == 0 {
		return nil
	}
	if err := s.applyStored(ctx, refs); err != nil {
		s.markStale(refs)
		return err
	}
	// Files read by the failed pass look unchanged now: read them all again.
	s.filesMu.Lock()
	clear(s.files)
	s.filesMu.Unlock()
	s.log.Info("catalog: re-read entities a failed write left out of step", "entities", len(refs))
	return nil
}

// changed tells Options.Changed, if set, the refs a flush wrote.
func (s *Service) changed(puts []*callboard.StoredEntity, deletes map[string]string) {
	if s.opts.Changed == nil {
		return
	}
	refs := make([]string, 0, len(puts)+len(deletes))
	for _, se := range puts {
		refs = append(refs, se.Ref)
	}
	for ref := range deletes {
		refs = append(refs, ref)
	}
	s.opts.Changed(refs)
}

// final returns the entity as served: stored body plus relations and the
// orphan annotation. The caller holds s.mu for reading.
func (s *Service) final(se *callboard.StoredEntity) *callboard.Entity {
	e := *se.Entity
	e.Metadata.UID = se.UID
	e.Relations = s.g.relations(se.Ref)
	n, ok := s.g.lookup(se.Ref)
	if (ok && n.orphan) || (!ok && se.Orphan) {
		ann := make(map[string]string, len(e.Metadata.Annotations)+1)
		for k, v := range e.Metadata.Annotations {
			ann[k] = v
		}
		ann[callboard.AnnotationOrphan] = "true"
		e.Metadata.Annotations = ann
	}
	return &e
}

// limitMemory applies the first-ingest memory limit (memlimit.go) and
// returns the func that sets the steady one.
func (s *Service) limitMemory() func() {
	return limitIngestMemory(s.opts.IngestMemoryLimit, s.opts.MemoryLimit)
}
