package search

import (
	"context"
	"errors"
	"maps"
	"slices"

	"callboard"
	"callboard/catalog"
	"callboard/index"
)

// batchSize is how many entities one read of the catalog and one write
// of the index carry.
const batchSize = 500

// Flush applies the queued changes now.
func (s *Service) Flush(ctx context.Context) error {
	s.work.Lock()
	defer s.work.Unlock()
	return s.applyQueued(catalog.Unfiltered(ctx))
}

// applyQueued applies the queued changes; the caller holds s.work.
func (s *Service) applyQueued(ctx context.Context) error {
	for {
		s.mu.Lock()
		refs := slices.Sorted(maps.Keys(s.entities))
		docs := slices.Sorted(maps.Keys(s.docs))
		clear(s.entities)
		clear(s.docs)
		s.mu.Unlock()
		if len(refs) == 0 && len(docs) == 0 {
			return nil
		}
		more, err := s.indexEntities(ctx, refs)
		if err != nil {
			s.requeue(refs, docs)
			return err
		}
		docs = append(docs, more...)
		if err := s.indexDocs(ctx, docs); err != nil {
			s.requeue(nil, docs)
			return err
		}
	}
}

// requeue puts back work that failed, for the next pass.
func (s *Service) requeue(refs, docs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range refs {
		s.entities[r] = true
	}
	for _, r := range docs {
		s.docs[r] = true
	}
}

// indexEntities reindexes entities by ref, removing those that are gone,
// and returns the refs whose docs need a look too.
func (s *Service) indexEntities(ctx context.Context, refs []string) (docs []string, err error) {
	for i := 0; i < len(refs); i += batchSize {
		part := refs[i:min(i+batchSize, len(refs))]
		es, err := s.opts.Catalog.EntitiesByRefs(ctx, part, nil)
		if err != nil {
			return nil, err
		}
		var sets []callboard.SearchSet
		for j, e := range es {
			if e == nil {
				sets = append(sets, removed(part[j])...)
				continue
			}
			set := entitySet(e)
			sets = append(sets, set)
			docs = append(docs, part[j])
			if s.written != nil {
				s.written[part[j]] = set.Version
			}
		}
		if err := s.opts.Store.IndexSearch(ctx, sets); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// removed returns the empty sets that unindex an entity.
func removed(ref string) []callboard.SearchSet {
	return []callboard.SearchSet{
		{Type: callboard.SearchTypeCatalog, Entity: ref},
		{Type: callboard.SearchTypeTemplate, Entity: ref},
		{Type: callboard.SearchTypeTechDocs, Entity: ref},
	}
}

// indexDocs reindexes the docs of entities by ref: a site's sections when
// it is published, nothing otherwise.
func (s *Service) indexDocs(ctx context.Context, refs []string) error {
	if s.opts.Docs == nil || len(refs) == 0 {
		return nil
	}
	es, err := s.opts.Catalog.EntitiesByRefs(ctx, refs, nil)
	if err != nil {
		return err
	}
	var errs []error
	for i, e := range es {
		set, err := s.docsOf(ctx, refs[i], e, "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.opts.Store.IndexSearch(ctx, []callboard.SearchSet{set}); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

// docsOf makes the techdocs set of e (ref; nil when gone): empty without
// a published site. known is the version indexed, to skip reading an
// unchanged site; errUnchanged is returned then.
func (s *Service) docsOf(ctx context.Context, ref string, e *callboard.Entity, known string) (callboard.SearchSet, error) {
	empty := callboard.SearchSet{Type: callboard.SearchTypeTechDocs, Entity: ref}
	if e == nil || e.Annotation(callboard.AnnotationTechDocsRef) == "" {
		return empty, nil
	}
	v, err := s.opts.Docs.Version(ctx, e.Ref())
	if callboard.ErrorKind(err) == callboard.NotFound {
		return empty, nil
	}
	if err != nil {
		return empty, err
	}
	if known != "" && known == builderVersion+":"+v {
		return empty, errUnchanged
	}
	body, err := s.opts.Docs.Index(ctx, e.Ref())
	if callboard.ErrorKind(err) == callboard.NotFound {
		return empty, nil
	}
	if err != nil {
		return empty, err
	}
	defer body.Close()
	return docsSet(e, v, body)
}

var errUnchanged = errors.New("unchanged")

// Reconcile compares the whole index with the catalog and the published
// docs, and reindexes what differs: entities whose etag changed, docs
// whose build changed, and whatever is gone. It returns how many sets it
// wrote.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	s.work.Lock()
	defer s.work.Unlock()
	ctx = catalog.Unfiltered(ctx)
	have := map[string]string{}
	for _, typ := range []string{callboard.SearchTypeCatalog, callboard.SearchTypeTemplate} {
		v, err := s.opts.Store.SearchVersions(ctx, typ)
		if err != nil {
			return 0, err
		}
		maps.Copy(have, v)
	}
	haveDocs, err := s.opts.Store.SearchVersions(ctx, callboard.SearchTypeTechDocs)
	if err != nil {
		return 0, err
	}
	s.written = map[string]string{}
	defer func() { s.written = nil }()
	written := 0
	var sets []callboard.SearchSet
	write := func(force bool) error {
		if len(sets) == 0 || (!force && len(sets) < batchSize) {
			return nil
		}
		err := s.opts.Store.IndexSearch(ctx, sets)
		written += len(sets)
		sets = sets[:0]
		return err
	}
	seen := map[string]bool{}
	var documented []*callboard.Entity
	for off := 0; ; off += batchSize {
		es, _, err := s.opts.Catalog.Query(ctx, index.Query{Offset: off, Limit: batchSize})
		if err != nil {
			return written, err
		}
		for _, e := range es {
			ref := e.Ref().String()
			seen[ref] = true
			known, ok := s.written[ref]
			if !ok {
				known = have[ref]
			}
			if set := entitySet(e); known != set.Version {
				sets = append(sets, set)
			}
			if e.Annotation(callboard.AnnotationTechDocsRef) != "" && s.opts.Docs != nil {
				documented = append(documented, e)
			}
		}
		if err := write(false); err != nil {
			return written, err
		}
		// Changes keep being applied while a long reconcile runs.
		if err := s.applyQueued(ctx); err != nil {
			return written, err
		}
		if len(es) < batchSize {
			break
		}
	}
	for ref := range have {
		if _, queued := s.written[ref]; !seen[ref] && !queued {
			sets = append(sets, removed(ref)...)
		}
	}
	if err := write(true); err != nil {
		return written, err
	}
	// Docs: read each documented entity's build; reindex the changed.
	var errs []error
	withDocs := map[string]bool{}
	for _, e := range documented {
		ref := e.Ref().String()
		withDocs[ref] = true
		set, err := s.docsOf(ctx, ref, e, haveDocs[ref])
		switch {
		case errors.Is(err, errUnchanged):
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		case len(set.Docs) == 0 && haveDocs[ref] == "":
			continue // no site, none indexed
		}
		sets = append(sets, set)
		if err := write(false); err != nil {
			return written, err
		}
		if err := s.applyQueued(ctx); err != nil {
			return written, err
		}
	}
	for ref := range haveDocs {
		if !withDocs[ref] {
			sets = append(sets, callboard.SearchSet{Type: callboard.SearchTypeTechDocs, Entity: ref})
		}
	}
	if err := write(true); err != nil {
		return written, err
	}
	return written, errors.Join(errs...)
}
