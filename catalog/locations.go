package catalog

import (
	"context"
	"fmt"
	"path"
	"strings"

	"callboard"
	"callboard/descriptor"
)

// AddLocation registers a location and processes it at once, returning the
// location and the entities it produced. With dryRun nothing is stored:
// the entities that would be produced are returned, or an Invalid error
// listing every problem.
func (s *Service) AddLocation(ctx context.Context, typ, target string, dryRun bool) (callboard.Location, []*callboard.Entity, bool, error) {
	if err := s.Load(ctx); err != nil {
		return callboard.Location{}, nil, false, err
	}
	if typ != TypeURL && typ != TypeFile {
		return callboard.Location{}, nil, false, callboard.Errorf(callboard.Invalid, "location type must be url or file, not %q", typ)
	}
	if strings.TrimSpace(target) == "" {
		return callboard.Location{}, nil, false, callboard.Errorf(callboard.Invalid, "location target is empty")
	}
	exists := s.locationExists(ctx, typ, target)
	if dryRun {
		ents, err := s.dryRun(ctx, typ, target)
		return callboard.Location{ID: "", Type: typ, Target: target}, ents, exists, err
	}
	if s.opts.Readonly {
		return callboard.Location{}, nil, false, callboard.Errorf(callboard.Forbidden, "This operation not allowed in readonly mode")
	}
	s.runMu.Lock()
	loc, err := s.store.CreateLocation(ctx, typ, target)
	if err != nil {
		s.runMu.Unlock()
		if callboard.ErrorKind(err) == callboard.Conflict {
			return loc, nil, true, callboard.Errorf(callboard.Conflict, "Location %s:%s already exists", typ, target)
		}
		return loc, nil, false, err
	}
	root := rootEntity(typ, target)
	w := s.walk(ctx, []parentLoc{parentOf(root)}, true, false, nil)
	b := newBatch()
	s.mu.Lock()
	s.apply(ctx, b, []*callboard.Entity{root}, w)
	s.mu.Unlock()
	err = s.flush(ctx, b)
	s.runMu.Unlock()
	if err != nil {
		return loc, nil, false, err
	}
	var refs []string
	for _, fr := range w.reads {
		for _, d := range fr.docs {
			if d.entity != nil {
				refs = append(refs, d.ref)
			}
		}
	}
	ents, err := s.EntitiesByRefs(ctx, append([]string{root.Ref().String()}, refs...), nil)
	if err != nil {
		return loc, nil, false, err
	}
	out := ents[:0]
	for _, e := range ents {
		if e != nil {
			out = append(out, e)
		}
	}
	return loc, out, false, nil
}

// dryRun reads a location without storing anything.
func (s *Service) dryRun(ctx context.Context, typ, target string) ([]*callboard.Entity, error) {
	root := rootEntity(typ, target)
	w := s.walk(ctx, []parentLoc{parentOf(root)}, true, true, nil)
	out := []*callboard.Entity{root}
	var problems []string
	for _, fr := range w.reads {
		if fr.err != nil {
			problems = append(problems, fmt.Sprintf("%s: %s", fr.shown(), callboard.ErrorMessage(fr.err)))
		}
		for _, p := range fr.problems {
			problems = append(problems, p.String())
		}
		for _, d := range fr.docs {
			for _, p := range d.rejected {
				problems = append(problems, p.String())
			}
			if d.entity != nil {
				if !s.allowed(d.entity.Kind, fr.typ, fr.target) {
					problems = append(problems, fmt.Sprintf("%s: entity %s of kind %s is not allowed from this location", fr.shown(), d.ref, d.entity.Kind))
					continue
				}
				e := *d.entity
				e.Relations = []callboard.Relation{}
				out = append(out, &e)
			}
		}
	}
	if len(problems) > 0 {
		return nil, callboard.Errorf(callboard.Invalid, "%s", strings.Join(problems, "; "))
	}
	return out, nil
}

func (s *Service) locationExists(ctx context.Context, typ, target string) bool {
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return false
	}
	for _, l := range locs {
		if l.Type == typ && l.Target == target {
			return true
		}
	}
	return false
}

// Locations lists the registered locations.
func (s *Service) Locations(ctx context.Context) ([]callboard.Location, error) {
	return s.store.Locations(ctx)
}

// Location returns one registered location.
func (s *Service) Location(ctx context.Context, id string) (callboard.Location, error) {
	loc, err := s.store.Location(ctx, id)
	if callboard.ErrorKind(err) == callboard.NotFound {
		return loc, callboard.Errorf(callboard.NotFound, "Found no location with ID %s", id)
	}
	return loc, err
}

// DeleteLocation unregisters a location and deletes, at once, every entity
// that exists only because of it.
func (s *Service) DeleteLocation(ctx context.Context, id string) error {
	if err := s.Load(ctx); err != nil {
		return err
	}
	if s.opts.Readonly {
		return callboard.Errorf(callboard.Forbidden, "This operation not allowed in readonly mode")
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	loc, err := s.Location(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteLocation(ctx, id); err != nil {
		return err
	}
	b := newBatch()
	b.eager = true
	s.mu.Lock()
	if n, ok := s.g.lookup(rootEntity(loc.Type, loc.Target).Ref().String()); ok {
		s.deleteNode(b, n)
		s.settleOrphans(ctx, b)
	}
	s.mu.Unlock()
	return s.flush(ctx, b)
}

// LocationByEntity returns the registered location an entity originates
// from, or NotFound.
func (s *Service) LocationByEntity(ctx context.Context, ref callboard.EntityRef) (callboard.Location, error) {
	e, err := s.Entity(ctx, ref)
	if err != nil {
		return callboard.Location{}, err
	}
	typ, target, _ := strings.Cut(e.Annotation(callboard.AnnotationManagedByOriginLocation), ":")
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return callboard.Location{}, err
	}
	for _, l := range locs {
		if l.Type == typ && l.Target == target {
			return l, nil
		}
	}
	return callboard.Location{}, callboard.Errorf(callboard.NotFound, "Location for entity %s not found", ref)
}

// ValidateEntity checks an entity the way processing would, without
// storing it, and returns every problem.
func (s *Service) ValidateEntity(ctx context.Context, raw map[string]any) []descriptor.Problem {
	d := &descriptor.Doc{File: "entity", Raw: raw}
	e, problems := descriptor.Validate(d)
	if e != nil {
		_, edgeProblems := descriptor.Edges(e)
		problems = append(problems, edgeProblems...)
	}
	return problems
}

// allowed applies catalog.rules: global rules, then the rules of the
// static location whose target is exactly the file read.
func (s *Service) allowed(kind, typ, target string) bool {
	rules := s.opts.Rules
	if rules == nil {
		rules = []Rule{{Allow: []string{"Component", "API", "Location"}}}
	}
	for _, l := range s.opts.Locations {
		if l.Type == typ && l.Target == target {
			rules = append(rules[:len(rules):len(rules)], l.Rules...)
		}
	}
	for _, r := range rules {
		if !matchesLocation(r.Locations, typ, target) {
			continue
		}
		for _, k := range r.Allow {
			if strings.EqualFold(k, kind) {
				return true
			}
		}
	}
	return false
}

func matchesLocation(locs []RuleLocation, typ, target string) bool {
	if len(locs) == 0 {
		return true
	}
	for _, l := range locs {
		if l.Type != "" && l.Type != typ {
			continue
		}
		if l.Exact != "" && l.Exact == target {
			return true
		}
		if l.Pattern != "" {
			if ok, _ := path.Match(l.Pattern, target); ok || callboard.MatchPath(strings.TrimPrefix(l.Pattern, "/"), strings.TrimPrefix(target, "/")) {
				return true
			}
		}
	}
	return false
}

// UpdateLocation points a registered location at a new type and target,
// keeping its ID: what only the old target emitted is deleted and the new
// target is read at once.
func (s *Service) UpdateLocation(ctx context.Context, id, typ, target string) (callboard.Location, error) {
	if err := s.Load(ctx); err != nil {
		return callboard.Location{}, err
	}
	if s.opts.Readonly {
		return callboard.Location{}, callboard.Errorf(callboard.Forbidden, "This operation not allowed in readonly mode")
	}
	if typ != TypeURL && typ != TypeFile {
		return callboard.Location{}, callboard.Errorf(callboard.Invalid, "location type must be url or file, not %q", typ)
	}
	s.runMu.Lock()
	defer s.runMu.Unlock()
	old, err := s.Location(ctx, id)
	if err != nil {
		return old, err
	}
	loc, err := s.store.UpdateLocation(ctx, id, typ, target)
	if err != nil {
		return loc, err
	}
	// The old tree goes first and is written, so that an entity both
	// targets emit is claimed by the new one instead of being refused as a
	// conflict and then deleted as the old tree's orphan.
	if old.Type != typ || old.Target != target {
		b := newBatch()
		s.mu.Lock()
		if n, ok := s.g.lookup(rootEntity(old.Type, old.Target).Ref().String()); ok {
			b.eager = true
			s.deleteNode(b, n)
			s.settleOrphans(ctx, b)
		}
		s.mu.Unlock()
		if err := s.flush(ctx, b); err != nil {
			return loc, err
		}
	}
	root := rootEntity(typ, target)
	w := s.walk(ctx, []parentLoc{parentOf(root)}, true, false, nil)
	b := newBatch()
	s.mu.Lock()
	s.apply(ctx, b, []*callboard.Entity{root}, w)
	s.mu.Unlock()
	return loc, s.flush(ctx, b)
}
