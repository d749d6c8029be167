package catalog

import (
	"context"
	"slices"

	"callboard"
)

// Replicas sharing one database each keep their own graph and index. The
// store's change log names every entity another replica wrote; a follower
// (package replica) hands those refs to ApplyChanges, which reads their
// stored state and replaces what this replica knew of them. Reading the
// stored state, rather than replaying the writes, makes applying a ref
// twice or out of order harmless: the last application wins and it reads
// the latest commit.

// followChunk bounds the refs read from the store at once.
const followChunk = 2000

// ApplyChanges brings the graph and index up to date with the stored state
// of refs: entities that are gone are removed, the others reloaded, and
// the relations of every entity whose edges changed recomputed. It waits
// for Load and for processing in progress on this replica.
func (s *Service) ApplyChanges(ctx context.Context, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	if err := s.Load(ctx); err != nil {
		return err
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if err := s.resync(ctx); err != nil {
		return err
	}
	return s.applyStored(ctx, refs)
}

// Reload brings the whole graph and index up to date with the store, for
// a replica that missed changes the log no longer holds.
func (s *Service) Reload(ctx context.Context) error {
	if err := s.Load(ctx); err != nil {
		return err
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	refs := map[string]bool{}
	err := s.store.ScanEntities(ctx, func(se *callboard.StoredEntity) error {
		refs[se.Ref] = true
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.RLock()
	for id := range s.g.nodes {
		refs[s.g.refs[id]] = true
	}
	s.mu.RUnlock()
	all := make([]string, 0, len(refs))
	for ref := range refs {
		all = append(all, ref)
	}
	slices.Sort(all)
	return s.applyStored(ctx, all)
}

// applyStored reloads refs from the store. The caller holds runMu.
func (s *Service) applyStored(ctx context.Context, refs []string) error {
	for lo := 0; lo < len(refs); lo += followChunk {
		chunk := refs[lo:min(lo+followChunk, len(refs))]
		stored, err := s.store.EntitiesByRef(ctx, chunk)
		if err != nil {
			return err
		}
		s.applyChunk(chunk, stored)
	}
	return nil
}

// applyChunk replaces what the graph and index hold of refs with stored
// (nil where an entity is gone).
func (s *Service) applyChunk(refs []string, stored []*callboard.StoredEntity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	touched := map[int32]bool{}
	put := map[int32]bool{}
	var finals []*callboard.Entity
	for i, ref := range refs {
		se := stored[i]
		// The index is checked apart from the graph: a write of this
		// replica that failed half-way (the database went away) may have
		// changed its graph and not its index.
		if uid, ok := s.idx.UIDByRef(ref); ok && (se == nil || se.UID != uid) {
			s.idx.Delete(uid)
		}
		if n, ok := s.g.lookup(ref); ok {
			s.unloadNode(n, touched)
			if se == nil || se.UID != n.uid {
				s.idx.Delete(n.uid)
			}
			if se == nil {
				delete(s.g.children, n.id)
				delete(s.fileErrs, n.id)
			}
		}
		if se == nil || se.Entity == nil {
			continue
		}
		for _, id := range s.loadNode(se) {
			touched[id] = true
		}
		put[s.g.id(se.Ref)] = true
	}
	// Relations last: a chunk may hold both ends of an edge.
	for i, se := range stored {
		if se != nil && se.Entity != nil {
			if _, ok := s.g.lookup(refs[i]); ok {
				finals = append(finals, s.final(se))
			}
		}
	}
	s.idx.PutMany(finals)
	for id := range touched {
		if n := s.g.nodes[id]; n != nil && !put[id] {
			s.idx.SetRelations(n.uid, s.g.relations(s.g.refs[id]))
		}
	}
}

// unloadNode takes n out of the graph: its edges, its place among its
// parents' children, and a provider's roots; its own children stay, for
// a reload of n. Sources whose relations changed are added to touched.
// The caller holds s.mu.
func (s *Service) unloadNode(n *node, touched map[int32]bool) {
	for _, t := range s.g.setEdges(n.id, n.edges, nil) {
		touched[t] = true
	}
	for _, p := range n.parents {
		m := s.g.children[p]
		for file, kids := range m {
			if i := slices.Index(kids, n.id); i >= 0 {
				kids = slices.Delete(kids, i, i+1)
				if len(kids) == 0 {
					delete(m, file)
				} else {
					m[file] = kids
				}
			}
		}
	}
	ref := s.g.refs[n.id]
	for _, roots := range s.provRoots {
		delete(roots, ref)
	}
	delete(s.g.nodes, n.id)
}
