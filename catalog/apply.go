package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"callboard"
	"callboard/internal/strarena"
)

// putChunk is how many entities one store write carries: more than a
// chunk (applyChunk) with the Locations it rewrites, so that each chunk is
// one commit.
const putChunk = applyChunk + applyChunk/4

// batch collects the writes of one processing run.
type batch struct {
	puts    map[string]*callboard.StoredEntity // by ref
	deletes map[string]string                  // ref -> uid
	touched map[int32]bool                     // relations changed
	locErrs map[int32][]callboard.StatusItem   // per walked Location
	removed map[[2]int32]bool                  // (parent, child) links to re-check
	walked  map[int32]bool                     // Locations whose targets were read
	eager   bool                               // delete orphans whatever the strategy
}

func newBatch() *batch {
	return &batch{puts: map[string]*callboard.StoredEntity{}, deletes: map[string]string{},
		touched: map[int32]bool{}, locErrs: map[int32][]callboard.StatusItem{}, removed: map[[2]int32]bool{},
		walked: map[int32]bool{}}
}

// flushed forgets the writes of b once they are in the store, keeping what
// the rest of the run needs (problems, walked Locations, orphan checks).
func (b *batch) flushed() {
	b.puts = map[string]*callboard.StoredEntity{}
	b.deletes = map[string]string{}
	b.touched = map[int32]bool{}
}

// rootEntity is the Location entity Backstage generates for a registered or
// static location.
func rootEntity(typ, target string) *callboard.Entity {
	sum := sha1.Sum([]byte(typ + ":" + target))
	self := typ + ":" + target
	return &callboard.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Location",
		Metadata: callboard.Metadata{
			Name:      "generated-" + hex.EncodeToString(sum[:]),
			Namespace: callboard.DefaultNamespace,
			Annotations: map[string]string{
				callboard.AnnotationManagedByLocation:       self,
				callboard.AnnotationManagedByOriginLocation: self,
			},
		},
		Spec: map[string]any{"type": typ, "target": target},
	}
}

// rootDoc processes a generated root Location like a read document.
func rootDoc(e *callboard.Entity) *docResult {
	d := &docResult{ref: e.Ref().String(), entity: e}
	d.hash = "root:" + e.Annotation(callboard.AnnotationManagedByLocation)
	return d
}

// apply records a walk's results in the graph and queues the writes in b.
// The caller holds runMu and s.mu.
func (s *Service) apply(ctx context.Context, b *batch, roots []*callboard.Entity, w *walkResult) {
	s.applyRoots(b, roots)
	s.applyReads(ctx, b, w.reads)
	s.finish(ctx, b, w)
}

// applyRoots stores the generated root Locations.
func (s *Service) applyRoots(b *batch, roots []*callboard.Entity) {
	for _, e := range roots {
		d := rootDoc(e)
		if p := s.rootProvider(d.ref); p != "" {
			d.hash = providerKey(p) + ":" + e.Annotation(callboard.AnnotationManagedByLocation)
		}
		s.upsert(b, d, -1, e.Annotation(callboard.AnnotationManagedByLocation))
	}
}

// applyReads records file reads: entities, children, problems.
func (s *Service) applyReads(ctx context.Context, b *batch, reads []*fileRead) {
	for _, fr := range reads {
		pid := s.g.id(fr.parent.ref)
		b.walked[pid] = true
		if fr.unchanged {
			// Not read again: it still has the problems of its last read.
			b.locErrs[pid] = append(b.locErrs[pid], s.fileErrs[pid][fr.file]...)
			continue
		}
		start := len(b.locErrs[pid])
		s.applyRead(ctx, b, pid, fr)
		errs := b.locErrs[pid][start:]
		if fr.parts != nil {
			fr.parts.errs = append(fr.parts.errs, errs...)
			if fr.more {
				continue
			}
			errs = fr.parts.errs
		}
		s.rememberErrs(pid, fr.file, errs)
	}
}

// applyRead records one file read of Location pid.
func (s *Service) applyRead(ctx context.Context, b *batch, pid int32, fr *fileRead) {
	if fr.err != nil {
		b.locErrs[pid] = append(b.locErrs[pid], statusItem(errorName(fr.err),
			fmt.Sprintf("%s: %s", fr.shown(), callboard.ErrorMessage(fr.err))))
		if fr.refused {
			s.setChildren(b, pid, fr.file, s.g.children[pid][fr.file], nil)
		}
		return
	}
	for _, p := range fr.problems {
		b.locErrs[pid] = append(b.locErrs[pid], statusItem("InputError", p.String()))
	}
	var kids []int32
	for _, d := range fr.docs {
		if id, ok := s.applyDoc(ctx, b, fr, pid, d); ok {
			kids = append(kids, id)
		}
	}
	if fr.parts != nil {
		// The file's children are set when it has been read to the end.
		fr.parts.kids = append(fr.parts.kids, kids...)
		if fr.more {
			return
		}
		kids = fr.parts.kids
	}
	old := s.g.children[pid][fr.file]
	if len(fr.problems) > 0 {
		kids = union(kids, old) // a broken file keeps what it had
	}
	s.setChildren(b, pid, fr.file, old, kids)
}

// rememberErrs keeps the problems a file of Location pid had, for the runs
// that skip it as unchanged. The caller holds s.mu.
func (s *Service) rememberErrs(pid int32, file string, items []callboard.StatusItem) {
	if len(items) == 0 {
		if m := s.fileErrs[pid]; m != nil {
			delete(m, file)
		}
		return
	}
	if s.fileErrs[pid] == nil {
		s.fileErrs[pid] = map[string][]callboard.StatusItem{}
	}
	s.fileErrs[pid][file] = slices.Clone(items)
}

// finish ends a walk: files a walked Location no longer lists emit nothing
// any more, entities left without a parent are settled, and each walked
// Location gets the problems found reading its targets.
func (s *Service) finish(ctx context.Context, b *batch, w *walkResult) {
	for ref, files := range w.expanded {
		pid := s.g.id(ref)
		b.walked[pid] = true
		for file, kids := range s.g.children[pid] {
			if !files[file] && !w.failed[ref+"\x00"+file] {
				s.setChildren(b, pid, file, kids, nil)
			}
		}
		for file := range s.fileErrs[pid] {
			if !files[file] {
				delete(s.fileErrs[pid], file)
			}
		}
	}
	s.settleOrphans(ctx, b)
	for pid := range b.walked {
		s.setLocationErrors(ctx, b, pid, b.locErrs[pid])
	}
}

// applyDoc applies one document read from fr; it returns the id of the
// entity the parent now emits, if any.
func (s *Service) applyDoc(ctx context.Context, b *batch, fr *fileRead, pid int32, d *docResult) (int32, bool) {
	if d.entity == nil {
		for _, p := range d.rejected {
			b.locErrs[pid] = append(b.locErrs[pid], statusItem("InputError", p.String()))
		}
		if d.ref == "" {
			return 0, false
		}
		n, ok := s.g.lookup(d.ref)
		if !ok || n.locationKey != fr.file {
			return 0, false
		}
		// Keep the last good entity, with the errors on it.
		var own []callboard.StatusItem
		for _, p := range d.rejected {
			own = append(own, statusItem("InputError", p.String()))
		}
		n.setExtra(n.loc(), own, n.locErrs())
		n.hash = ""
		s.rewriteEntity(b, n, nil)
		return n.id, true
	}
	if !s.allowed(d.entity.Kind, fr.typ, fr.target) {
		b.locErrs[pid] = append(b.locErrs[pid], statusItem("NotAllowedError", fmt.Sprintf(
			"%s: entity %s of kind %s is not allowed from this location; allow it in catalog.rules",
			fr.shown(), d.ref, d.entity.Kind)))
		return 0, false
	}
	if n, ok := s.g.lookup(d.ref); ok && n.locationKey != "" && n.locationKey != fr.file {
		b.locErrs[pid] = append(b.locErrs[pid], statusItem("ConflictError", fmt.Sprintf(
			"%s: entity %s is already defined in %s; the first definition wins, remove one of them",
			fr.shown(), d.ref, n.locationKey)))
		return 0, false
	}
	return s.upsert(b, d, pid, fr.file), true
}

// upsert stores d as emitted by parent pid (-1 for roots) from file.
func (s *Service) upsert(b *batch, d *docResult, pid int32, file string) int32 {
	id := s.g.id(d.ref)
	n := s.g.nodes[id]
	if n != nil && n.hash == d.hash && !n.orphan && n.locationKey == file {
		if pid >= 0 && !slices.Contains(n.parents, pid) {
			n.addParent(pid)
			s.rewriteEntity(b, n, nil)
		}
		return id
	}
	var oldEdges []cedge
	if n == nil {
		n = &node{id: id, uid: s.g.newUID()}
		s.g.nodes[id] = n
	} else {
		oldEdges = n.edges
	}
	n.kind, n.locationKey, n.hash, n.orphan = lowerKind(d.entity.Kind), file, d.hash, false
	n.edges = s.g.compact(d.edges)
	if pid >= 0 {
		n.addParent(pid)
	}
	var loc *locSpec
	if n.kind == "location" {
		loc = locationOf(d.entity)
	}
	n.setExtra(loc, d.own, n.locErrs())
	for _, t := range s.g.setEdges(id, oldEdges, n.edges) {
		b.touched[t] = true
	}
	s.rewriteEntity(b, n, d.entity)
	return id
}

// rewriteEntity queues n for writing with body e (nil: the stored body).
func (s *Service) rewriteEntity(b *batch, n *node, e *callboard.Entity) {
	ref := s.g.refs[n.id]
	if e == nil {
		if p, ok := b.puts[ref]; ok {
			e = p.Entity
		}
	}
	se := &callboard.StoredEntity{UID: n.uid, Ref: ref, Entity: e, Edges: s.g.expand(n.edges),
		LocationKey: n.locationKey, Hash: n.hash, Orphan: n.orphan}
	for _, p := range n.parents {
		se.Parents = append(se.Parents, s.g.refs[p])
	}
	b.puts[ref] = se
	delete(b.deletes, ref)
}

// setChildren records that parent emits kids from file, and queues the
// children it no longer emits for an orphan check.
func (s *Service) setChildren(b *batch, pid int32, file string, old, kids []int32) {
	if len(kids) == 0 {
		delete(s.g.children[pid], file)
	} else {
		s.g.addChild(pid, file, kids[0])
		s.g.children[pid][file] = kids
	}
	for _, c := range old {
		if !slices.Contains(kids, c) {
			b.removed[[2]int32{pid, c}] = true
		}
	}
}

// settleOrphans drops parent links that no file of the parent backs any
// more, then deletes or marks the entities left without a parent.
func (s *Service) settleOrphans(ctx context.Context, b *batch) {
	for len(b.removed) > 0 {
		links := b.removed
		b.removed = map[[2]int32]bool{}
		for link := range links {
			pid, cid := link[0], link[1]
			n := s.g.nodes[cid]
			if n == nil || s.stillEmits(pid, cid) {
				continue
			}
			if !n.removeParent(pid) {
				s.rewriteEntity(b, n, nil)
				continue
			}
			if b.eager || s.opts.OrphanStrategy != "keep" {
				s.deleteNode(b, n)
			} else if !n.orphan {
				n.orphan = true
				s.rewriteEntity(b, n, nil)
			}
		}
	}
}

func (s *Service) stillEmits(pid, cid int32) bool {
	for _, kids := range s.g.children[pid] {
		if slices.Contains(kids, cid) {
			return true
		}
	}
	return false
}

// deleteNode removes n and queues its children for an orphan check.
func (s *Service) deleteNode(b *batch, n *node) {
	ref := s.g.refs[n.id]
	for _, t := range s.g.setEdges(n.id, n.edges, nil) {
		b.touched[t] = true
	}
	delete(s.g.nodes, n.id)
	delete(s.fileErrs, n.id)
	delete(b.puts, ref)
	b.deletes[ref] = n.uid
	for file, kids := range s.g.children[n.id] {
		for _, c := range kids {
			b.removed[[2]int32{n.id, c}] = true
		}
		delete(s.g.children[n.id], file)
	}
}

// setLocationErrors stores the problems found reading a Location's targets
// on that Location entity, when they changed. They are sorted: files are
// read in parallel, and their order must not rewrite the entity.
func (s *Service) setLocationErrors(ctx context.Context, b *batch, pid int32, items []callboard.StatusItem) {
	slices.SortStableFunc(items, func(a, b callboard.StatusItem) int { return strings.Compare(a.Message, b.Message) })
	n := s.g.nodes[pid]
	if n == nil || sameItems(n.locErrs(), items) {
		return
	}
	n.setExtra(n.loc(), n.own(), items)
	s.rewriteEntity(b, n, nil)
}

func sameItems(a, b []callboard.StatusItem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Message != b[i].Message {
			return false
		}
	}
	return true
}

func union(a, b []int32) []int32 {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

func errorName(err error) string {
	switch callboard.ErrorKind(err) {
	case callboard.NotFound:
		return "NotFoundError"
	case callboard.Invalid:
		return "InputError"
	case callboard.Forbidden:
		return "NotAllowedError"
	}
	return "Error"
}

// newUID returns a time-ordered UUID (v7), so that entities written
// together land next to each other in the store's indexes.
// newUID returns a new uid, a UUIDv7 as Backstage's are UUIDs, in the
// graph's arena.
func (g *graph) newUID() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	b := g.strs.Alloc(36)
	hex.Encode(b[0:8], u[0:4])
	hex.Encode(b[9:13], u[4:6])
	hex.Encode(b[14:18], u[6:8])
	hex.Encode(b[19:23], u[8:10])
	hex.Encode(b[24:36], u[10:16])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return strarena.String(b)
}

func newEtag() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
