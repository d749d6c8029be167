package scorecards

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/apidoc"
	"callboard/scorecard"
)

// catalogFacts are the facts the catalog itself knows about e, stored
// under source "catalog" and read at the top of `facts`: whether its
// owner exists and how many members it has, whether its system exists,
// and for an API whether its definition reads as its type.
// ctx decides what the lookups see (a job's sees everything).
func (b *board) catalogFacts(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, error) {
	var out []callboard.Fact
	if owner := e.SpecString("owner"); owner != "" {
		o, err := b.lookup(ctx, owner, "group", e.Metadata.Namespace)
		if err != nil {
			return nil, err
		}
		members := int64(0)
		if o != nil {
			switch strings.ToLower(o.Kind) {
			case "user":
				members = 1
			case "group":
				for _, r := range o.Relations {
					if r.Type == callboard.RelationHasMember {
						members++
					}
				}
			}
		}
		out = append(out, callboard.Fact{Key: "owner.exists", Value: o != nil}, callboard.Fact{Key: "owner.members", Value: members})
		if o != nil {
			out = append(out, callboard.Fact{Key: "owner.kind", Value: strings.ToLower(o.Kind)})
		}
	}
	if strings.EqualFold(e.Kind, "API") {
		err := apidoc.Check(e.SpecString("type"), e.SpecString("definition"))
		out = append(out, callboard.Fact{Key: "api.definitionValid", Value: err == nil})
		if err != nil {
			out = append(out, callboard.Fact{Key: "api.definitionError", Value: err.Error()})
		}
	}
	if system := e.SpecString("system"); system != "" {
		s, err := b.lookup(ctx, system, "system", e.Metadata.Namespace)
		if err != nil {
			return nil, err
		}
		out = append(out, callboard.Fact{Key: "system.exists", Value: s != nil})
	}
	return out, nil
}

// lookup finds the entity a ref in e's spec names; nil when the catalog
// has none (or the ref is malformed).
func (b *board) lookup(ctx context.Context, ref, kind, namespace string) (*callboard.Entity, error) {
	if namespace == "" {
		namespace = callboard.DefaultNamespace
	}
	r, err := callboard.ParseRef(ref, kind, namespace)
	if err != nil {
		return nil, nil
	}
	o, err := b.env.Catalog.Entity(ctx, r)
	if callboard.ErrorKind(err) == callboard.NotFound {
		return nil, nil
	}
	return o, err
}

// entities returns every entity ctx may read.
func (b *board) entities(ctx context.Context) ([]*callboard.Entity, error) {
	return b.env.Catalog.EntitiesWith(ctx, "kind")
}

// gather is the scheduled run: for every entity, the catalog's facts and
// every plugin's, stored with their time, then every scorecard evaluated
// and stored. A plugin that fails keeps its previous facts. Results of
// entities gone (or no longer chosen by a filter) are pruned, unless the
// catalog is empty (still loading, most likely).
func (b *board) gather(ctx context.Context) error {
	start := time.Now().UTC()
	set := b.set()
	gen := b.generation()
	es, err := b.entities(ctx)
	if err != nil || len(es) == 0 {
		return err
	}
	if err := b.each(ctx, es, func(e *callboard.Entity) error { return b.gatherOne(ctx, set, e, gen) }); err != nil {
		return err
	}
	return b.prune(ctx, set, start)
}

// each runs fn on the entities, a few at a time (plugins' facts are calls
// to outside systems), and returns the first error.
func (b *board) each(ctx context.Context, es []*callboard.Entity, fn func(*callboard.Entity) error) error {
	work := make(chan *callboard.Entity)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for e := range work {
				if err := fn(e); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for _, e := range es {
		if ctx.Err() != nil {
			break
		}
		work <- e
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	return ctx.Err()
}

func (b *board) gatherOne(ctx context.Context, set *scorecard.Set, e *callboard.Entity, gen int) error {
	ref := e.Ref().String()
	cf, err := b.catalogFacts(ctx, e)
	if err != nil {
		return err
	}
	if err := b.facts.PutFacts(ctx, scorecard.CatalogSource, ref, cf); err != nil {
		return err
	}
	if b.env.AllFacts != nil {
		facts, failed := b.env.AllFacts(ctx, e)
		bySource := map[string][]callboard.Fact{}
		for _, f := range facts {
			bySource[f.Source] = append(bySource[f.Source], f)
		}
		for source, fs := range bySource {
			if err := b.facts.PutFacts(ctx, source, ref, fs); err != nil {
				return err
			}
		}
		for source, err := range failed {
			b.env.Log.Debug("plugin facts failed; its stored facts stay", "source", source, "entity", ref, "err", err)
		}
	}
	return b.store(ctx, set, e, gen)
}

// store evaluates e with its stored facts and stores the results.
func (b *board) store(ctx context.Context, set *scorecard.Set, e *callboard.Entity, gen int) error {
	ref := e.Ref().String()
	facts, err := b.facts.FactsOf(ctx, ref)
	if err != nil {
		return err
	}
	rs := set.Evaluate(e, facts, time.Now())
	if len(rs) > 0 {
		if err := b.results.PutScorecardResults(ctx, rs); err != nil {
			return err
		}
	}
	b.mu.Lock()
	b.evaluated[ref] = stamp(e, gen)
	b.mu.Unlock()
	return nil
}

// changes gathers again, and evaluates, the entities whose etag changed
// since this replica last evaluated them (new ones too: a registered
// component, or everything after a restart), and evaluates all of them
// with their stored facts after the scorecard files changed.
func (b *board) changes(ctx context.Context) error {
	start := time.Now().UTC()
	set := b.set()
	gen := b.generation()
	es, err := b.entities(ctx)
	if err != nil || len(es) == 0 {
		return err
	}
	seen := make(map[string]bool, len(es))
	var changed, rescored []*callboard.Entity
	b.mu.Lock()
	for _, e := range es {
		ref := e.Ref().String()
		seen[ref] = true
		last, ok := b.evaluated[ref]
		switch {
		case !ok || !strings.HasPrefix(last, e.Metadata.Etag+"\x00"):
			changed = append(changed, e)
		case last != stamp(e, gen):
			rescored = append(rescored, e)
		}
	}
	for ref := range b.evaluated {
		if !seen[ref] {
			delete(b.evaluated, ref) // gone from the catalog
		}
	}
	b.mu.Unlock()
	if err := b.each(ctx, changed, func(e *callboard.Entity) error { return b.gatherOne(ctx, set, e, gen) }); err != nil {
		return err
	}
	if err := b.each(ctx, rescored, func(e *callboard.Entity) error { return b.refresh(ctx, set, e, gen) }); err != nil {
		return err
	}
	if len(changed)+len(rescored) == len(es) {
		// Everything was evaluated in this run: what is older is gone.
		return b.prune(ctx, set, start)
	}
	return b.results.PruneScorecardResults(ctx, ids(set), time.Time{})
}

// refresh evaluates e again with fresh catalog facts and the stored ones.
func (b *board) refresh(ctx context.Context, set *scorecard.Set, e *callboard.Entity, gen int) error {
	cf, err := b.catalogFacts(ctx, e)
	if err != nil {
		return err
	}
	if err := b.facts.PutFacts(ctx, scorecard.CatalogSource, e.Ref().String(), cf); err != nil {
		return err
	}
	return b.store(ctx, set, e, gen)
}

func (b *board) prune(ctx context.Context, set *scorecard.Set, before time.Time) error {
	return b.results.PruneScorecardResults(ctx, ids(set), before)
}

func ids(set *scorecard.Set) []string {
	out := make([]string, 0, len(set.Scorecards))
	for _, s := range set.Scorecards {
		out = append(out, s.ID)
	}
	return out
}

func (b *board) generation() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gen
}

// stamp identifies what an evaluation saw of an entity: its etag and the
// scorecards' generation.
func stamp(e *callboard.Entity, gen int) string {
	return e.Metadata.Etag + "\x00" + strconv.Itoa(gen)
}

// live evaluates e now for a reader (the tab, the API): the stored facts
// of the plugins with the catalog's facts computed afresh, so an edit of
// catalog-info.yaml shows as soon as the catalog has read it. gathered is
// when the newest plugin fact was stored (zero for none).
func (b *board) live(ctx context.Context, e *callboard.Entity) ([]callboard.ScorecardResult, *scorecard.Set, time.Time, error) {
	set := b.set()
	ref := e.Ref().String()
	var facts []callboard.Fact
	var gathered time.Time
	if b.facts != nil {
		stored, err := b.facts.FactsOf(ctx, ref)
		if err != nil {
			return nil, nil, time.Time{}, err
		}
		for _, f := range stored {
			if f.Source != scorecard.CatalogSource {
				facts = append(facts, f)
				if f.At.After(gathered) {
					gathered = f.At
				}
			}
		}
	}
	if b.env.Catalog != nil {
		cf, err := b.catalogFacts(ctx, e)
		if err != nil {
			return nil, nil, time.Time{}, err
		}
		for _, f := range cf {
			f.Source, f.Entity = scorecard.CatalogSource, ref
			facts = append(facts, f)
		}
	}
	return set.Evaluate(e, facts, time.Now()), set, gathered, nil
}
