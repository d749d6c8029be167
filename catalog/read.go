package catalog

import (
	"context"
	"sort"

	"callboard"
	"callboard/index"
)

// Entity returns the entity with the given ref (any case), or NotFound with
// Backstage's message.
func (s *Service) Entity(ctx context.Context, ref callboard.EntityRef) (*callboard.Entity, error) {
	se, err := s.store.Entity(ctx, ref.String())
	if callboard.ErrorKind(err) == callboard.NotFound {
		return nil, callboard.Errorf(callboard.NotFound, "No entity named '%s' found, with kind '%s' in namespace '%s'",
			ref.Name, ref.Kind, ref.Namespace)
	}
	if err != nil {
		return nil, err
	}
	var e *callboard.Entity
	select {
	case <-s.loadedCh:
		s.mu.RLock()
		e = s.final(se)
		s.mu.RUnlock()
	default:
		if e, err = s.finalFromStore(ctx, se); err != nil {
			return nil, err
		}
	}
	// A hidden entity is answered as a missing one: its existence is not
	// the caller's to know.
	if v, err := visibility(ctx); err != nil {
		return nil, err
	} else if !v.visible(e) {
		return nil, callboard.Errorf(callboard.NotFound, "No entity named '%s' found, with kind '%s' in namespace '%s'",
			ref.Name, ref.Kind, ref.Namespace)
	}
	return e, nil
}

// finalFromStore assembles the served entity from the store alone, for
// lookups that arrive while Load builds the graph.
func (s *Service) finalFromStore(ctx context.Context, se *callboard.StoredEntity) (*callboard.Entity, error) {
	edges, err := s.store.EdgesFrom(ctx, []string{se.Ref})
	if err != nil {
		return nil, err
	}
	e := *se.Entity
	e.Metadata.UID = se.UID
	e.Relations = make([]callboard.Relation, 0, len(edges))
	seen := map[callboard.Relation]bool{}
	for _, ed := range edges {
		r := callboard.Relation{Type: ed.Type, TargetRef: ed.Target}
		if !seen[r] {
			seen[r] = true
			e.Relations = append(e.Relations, r)
		}
	}
	sort.Slice(e.Relations, func(i, j int) bool {
		a, b := e.Relations[i], e.Relations[j]
		return a.Type < b.Type || (a.Type == b.Type && a.TargetRef < b.TargetRef)
	})
	if se.Orphan {
		e.SetAnnotation(callboard.AnnotationOrphan, "true")
	}
	return &e, nil
}

// EntityByUID returns the entity with the given uid, or NotFound.
func (s *Service) EntityByUID(ctx context.Context, uid string) (*callboard.Entity, error) {
	es, err := s.EntitiesByUID(ctx, []string{uid})
	if err != nil {
		return nil, err
	}
	if es[0] == nil {
		return nil, callboard.Errorf(callboard.NotFound, "No entity with uid %s", uid)
	}
	return es[0], nil
}

// EntitiesByUID returns entities in the order of uids, nil where missing
// or hidden from the caller (WithReadFilter).
func (s *Service) EntitiesByUID(ctx context.Context, uids []string) ([]*callboard.Entity, error) {
	v, err := visibility(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.entitiesByUID(ctx, uids)
	if err != nil || v.All {
		return out, err
	}
	for i, e := range out {
		if e != nil && !v.visible(e) {
			out[i] = nil
		}
	}
	return out, nil
}

// entitiesByUID is EntitiesByUID without the caller's visibility, for
// uids that a narrowed query returned.
func (s *Service) entitiesByUID(ctx context.Context, uids []string) ([]*callboard.Entity, error) {
	if err := s.waitLoaded(ctx); err != nil {
		return nil, err
	}
	stored, err := s.store.EntitiesByUID(ctx, uids)
	if err != nil {
		return nil, err
	}
	out := make([]*callboard.Entity, len(stored))
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i, se := range stored {
		if se != nil {
			out[i] = s.final(se)
		}
	}
	return out, nil
}

// EntitiesByRefs returns entities in the order of refs, nil where missing,
// unparsable, or not matching f (an empty filter matches all).
func (s *Service) EntitiesByRefs(ctx context.Context, refs []string, f index.Filter) ([]*callboard.Entity, error) {
	if err := s.waitLoaded(ctx); err != nil {
		return nil, err
	}
	uids := make([]string, len(refs))
	for i, r := range refs {
		ref, err := callboard.ParseRef(r, "", "")
		if err != nil {
			continue
		}
		if uid, ok := s.idx.UIDByRef(ref.String()); ok {
			uids[i] = uid
		}
	}
	if len(f) > 0 {
		allowed := map[string]bool{}
		page, err := s.idx.Query(index.Query{Filter: f})
		if err != nil {
			return nil, err
		}
		for _, u := range page.UIDs {
			allowed[u] = true
		}
		for i, u := range uids {
			if !allowed[u] {
				uids[i] = ""
			}
		}
	}
	return s.EntitiesByUID(ctx, uids)
}

// Query returns one page of entities matching q, and the total count.
func (s *Service) Query(ctx context.Context, q index.Query) ([]*callboard.Entity, int, error) {
	if err := s.waitLoaded(ctx); err != nil {
		return nil, 0, err
	}
	if err := narrow(ctx, &q); err != nil {
		return nil, 0, err
	}
	page, err := s.idx.Query(q)
	if err != nil {
		return nil, 0, err
	}
	es, err := s.entitiesByUID(ctx, page.UIDs)
	if err != nil {
		return nil, 0, err
	}
	out := es[:0]
	for _, e := range es {
		if e != nil { // deleted between the index read and the store read
			out = append(out, e)
		}
	}
	return out, page.Total, nil
}

// Facets counts entity values per facet among entities matching f that
// the caller may see.
func (s *Service) Facets(ctx context.Context, facets []string, f index.Filter) map[string][]index.FacetCount {
	return s.FacetsWhere(ctx, facets, f, nil)
}

// FacetsWhere counts values per facet among entities matching f and p that
// the caller may see. When the caller's visibility cannot be decided, it
// counts nothing.
func (s *Service) FacetsWhere(ctx context.Context, facets []string, f index.Filter, p *index.Predicate) map[string][]index.FacetCount {
	_ = s.waitLoaded(ctx)
	q := index.Query{Predicate: p}
	if err := narrow(ctx, &q); err != nil {
		q.Predicate = nothing
	}
	return s.idx.FacetsWhere(facets, f, q.Predicate)
}

// Len returns how many entities the catalog holds.
func (s *Service) Len() int { return s.idx.Len() }

// Ancestry returns the chain of Location entities that emitted ref, from
// the entity up to its root, as Backstage's ancestry endpoint does.
func (s *Service) Ancestry(ctx context.Context, ref callboard.EntityRef) (root string, items []AncestryItem, err error) {
	if _, err := s.Entity(ctx, ref); err != nil {
		return "", nil, err
	}
	s.mu.RLock()
	var refs []string
	parents := map[string][]string{}
	seen := map[int32]bool{}
	queue := []int32{s.g.ids[ref.String()]}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		n := s.g.nodes[id]
		if n == nil {
			continue
		}
		r := s.g.refs[id]
		refs = append(refs, r)
		parents[r] = []string{}
		for _, p := range n.parents {
			parents[r] = append(parents[r], s.g.refs[p])
			queue = append(queue, p)
		}
		if len(n.parents) == 0 {
			root = r
		}
	}
	s.mu.RUnlock()
	for _, r := range refs {
		e, err := s.Entity(ctx, callboard.MustParseRef(r))
		if err != nil {
			continue
		}
		items = append(items, AncestryItem{Entity: e, ParentEntityRefs: parents[r]})
	}
	return root, items, nil
}

// AncestryItem is one entity of an ancestry chain.
type AncestryItem struct {
	Entity           *callboard.Entity `json:"entity"`
	ParentEntityRefs []string          `json:"parentEntityRefs"`
}

// DeleteEntity removes an entity by uid. Like Backstage, an entity that a
// location still emits comes back on the next refresh of that location, and
// an unknown uid is not an error.
func (s *Service) DeleteEntity(ctx context.Context, uid string) error {
	if err := s.Load(ctx); err != nil {
		return err
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	ref, ok := s.idx.RefByUID(uid)
	if !ok {
		return nil
	}
	b := newBatch()
	s.mu.Lock()
	if n, ok := s.g.lookup(ref); ok {
		for _, p := range n.parents {
			for file, kids := range s.g.children[p] {
				s.g.children[p][file] = removeID(kids, n.id)
			}
		}
		s.deleteNode(b, n)
		for link := range b.removed {
			if s.g.nodes[link[1]] == nil {
				delete(b.removed, link)
			}
		}
		b.eager = true
		s.settleOrphansKeep(b)
	}
	s.mu.Unlock()
	// The file is read again next time, so that a still-emitted entity returns.
	s.forgetFiles()
	return s.flush(ctx, b)
}

// settleOrphansKeep marks the children of a deleted entity as orphans
// instead of deleting them: deleting one entity never cascades.
func (s *Service) settleOrphansKeep(b *batch) {
	for link := range b.removed {
		n := s.g.nodes[link[1]]
		if n != nil && n.removeParent(link[0]) && !n.orphan {
			n.orphan = true
			s.rewriteEntity(b, n, nil)
		}
	}
	b.removed = map[[2]int32]bool{}
}

func (s *Service) forgetFiles() {
	s.filesMu.Lock()
	s.files = map[string]fileState{}
	s.filesMu.Unlock()
}

func removeID(ids []int32, id int32) []int32 {
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
