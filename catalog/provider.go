package catalog

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"callboard"
	"callboard/descriptor"
)

// Entity providers own a bucket: Location roots they emit (read like
// registered locations) and entities they emit themselves. Their nodes are
// marked in the stored hash ("provider:<name>:...") and, for entities, the
// location key, so that ownership survives a restart without a table.

func providerKey(name string) string { return "provider:" + name }

// rootProvider returns the provider owning root ref, or "". The caller
// holds s.mu.
func (s *Service) rootProvider(ref string) string {
	for name, roots := range s.provRoots {
		if _, ok := roots[ref]; ok {
			return name
		}
	}
	return ""
}

// ProviderLocations returns the locations provider name owns, sorted.
func (s *Service) ProviderLocations(name string) []callboard.Location {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []callboard.Location
	for _, l := range s.provRoots[name] {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

// ApplyProvider applies a provider's mutation in one write: new and
// changed locations are read at once, locations and entities the provider
// no longer lists are deleted with everything only they emitted.
func (s *Service) ApplyProvider(ctx context.Context, name string, m callboard.ProviderMutation) error {
	if name == "" {
		return callboard.Errorf(callboard.Invalid, "provider name is empty")
	}
	inScope := func(t string) bool { return m.Scope == "" || strings.HasPrefix(t, m.Scope) }
	for _, l := range m.Locations {
		if l.Type != TypeURL && l.Type != TypeFile {
			return callboard.Errorf(callboard.Invalid, "provider %s: location type must be url or file, not %q", name, l.Type)
		}
		if l.Target == "" || !inScope(l.Target) {
			return callboard.Errorf(callboard.Invalid, "provider %s: location %q is outside the mutation's scope %q", name, l.Target, m.Scope)
		}
	}
	if err := s.Load(ctx); err != nil {
		return err
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	// Roots of static and registered locations are never deleted here.
	static := map[string]bool{}
	others, err := s.roots(ctx)
	if err != nil {
		return err
	}
	for _, r := range others {
		static[r.Ref().String()] = true
	}
	s.mu.Lock()
	old := s.provRoots[name]
	next := map[string]callboard.Location{}
	for ref, l := range old {
		if !inScope(l.Target) {
			next[ref] = l
		}
	}
	var roots []*callboard.Entity
	var parents []parentLoc
	for _, l := range m.Locations {
		e := rootEntity(l.Type, l.Target)
		ref := e.Ref().String()
		if _, dup := next[ref]; dup {
			continue
		}
		next[ref] = callboard.Location{Type: l.Type, Target: l.Target}
		roots = append(roots, e)
		parents = append(parents, parentOf(e))
	}
	s.provRoots[name] = next
	s.mu.Unlock()
	w := s.walk(ctx, parents, true, false, nil)
	b := newBatch()
	s.mu.Lock()
	s.apply(ctx, b, roots, w)
	b.eager = true
	for ref := range old {
		if _, kept := next[ref]; kept || static[ref] {
			continue
		}
		if n, ok := s.g.lookup(ref); ok && len(n.parents) == 0 {
			s.deleteNode(b, n)
		}
	}
	if m.Scope == "" {
		s.applyProviderEntities(b, name, m.Entities)
	}
	s.settleOrphans(ctx, b)
	s.mu.Unlock()
	return s.flush(ctx, b)
}

// applyProviderEntities replaces the entities provider name emits itself.
// An entity another source already claims is skipped (Backstage's
// conflict rule). The caller holds s.mu.
func (s *Service) applyProviderEntities(b *batch, name string, entities []*callboard.Entity) {
	key := providerKey(name)
	keep := map[int32]bool{}
	for _, e := range entities {
		d := providerDoc(name, e)
		if d == nil {
			s.log.Warn("catalog: provider entity rejected", "provider", name, "entity", e.Ref().String())
			continue
		}
		if n, ok := s.g.lookup(d.ref); ok && n.locationKey != "" && n.locationKey != key {
			s.log.Warn("catalog: provider entity conflicts with another source; the first claimant keeps it",
				"provider", name, "entity", d.ref, "claimant", n.locationKey)
			continue
		}
		keep[s.upsert(b, d, -1, key)] = true
	}
	for id, n := range s.g.nodes {
		if n.locationKey == key && !keep[id] {
			s.deleteNode(b, n)
		}
	}
}

// providerDoc validates a provider's entity as a read document.
func providerDoc(name string, e *callboard.Entity) *docResult {
	body, err := json.Marshal(e)
	if err != nil {
		return nil
	}
	var raw map[string]any
	if json.Unmarshal(body, &raw) != nil {
		return nil
	}
	v, problems := descriptor.Validate(&descriptor.Doc{File: "provider " + name, Raw: raw})
	if v == nil {
		return nil
	}
	if v.Metadata.Namespace == "" {
		v.Metadata.Namespace = callboard.DefaultNamespace
	}
	v.Metadata.UID, v.Metadata.Etag = "", ""
	v.Relations, v.Status = nil, nil
	edges, edgeProblems := descriptor.Edges(v)
	d := &docResult{ref: v.Ref().String(), entity: v, edges: edges}
	for _, p := range append(problems, edgeProblems...) {
		d.own = append(d.own, statusItem("InputError", p.String()))
	}
	d.own = append(d.own, linkWarnings(v)...)
	h, _ := json.Marshal(struct {
		E   *callboard.Entity
		Own []callboard.StatusItem
	}{v, d.own})
	d.hash = fmt.Sprintf("%s:%x", providerKey(name), sha1sum(h))
	return d
}

func sha1sum(b []byte) []byte {
	h := sha1.Sum(b)
	return h[:]
}

// providerRoots returns the Location roots every provider owns.
func (s *Service) providerRoots() []*callboard.Entity {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*callboard.Entity
	for _, roots := range s.provRoots {
		for _, l := range roots {
			out = append(out, rootEntity(l.Type, l.Target))
		}
	}
	return out
}

// loadProviderNode notes, while loading, a stored node a provider owns.
// The caller holds s.mu.
func (s *Service) loadProviderNode(n *node, e *callboard.Entity) {
	if n.kind != "location" || len(n.parents) > 0 || !strings.HasPrefix(n.hash, "provider:") {
		return
	}
	self := e.Annotation(callboard.AnnotationManagedByLocation)
	name, ok := strings.CutSuffix(strings.TrimPrefix(n.hash, "provider:"), ":"+self)
	typ, target, _ := strings.Cut(self, ":")
	if !ok || name == "" {
		return
	}
	if s.provRoots[name] == nil {
		s.provRoots[name] = map[string]callboard.Location{}
	}
	s.provRoots[name][e.Ref().String()] = callboard.Location{Type: typ, Target: target}
}
