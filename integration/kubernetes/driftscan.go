package kubernetes

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/plugin"
)

// The drift job's facts: source factSource, key factDrifted, a bool for
// every entity it scanned.
const (
	factSource  = "kubernetes"
	factDrifted = "drifted"
)

// driftJob computes the drift of every entity with Kubernetes annotations
// and manifests and stores it as a fact (env.Facts), so that the catalog
// filter of every replica reads what the replica holding the job's lease
// computed. Entities are scanned by kubernetes.driftConcurrency workers at
// once. An entity whose drift cannot be computed (its repository or a
// cluster does not answer) counts as not drifted and is logged; a fact
// that cannot be stored, or the job's end, stops the scan.
func (k *k8s) driftJob(log func(msg string, args ...any)) plugin.Job {
	return plugin.Job{Name: "drift", Every: k.s.driftEvery, Run: func(ctx context.Context) error {
		es, err := k.catalog.EntitiesWith(ctx, "metadata.annotations."+AnnotationID, "metadata.annotations."+AnnotationLabelSelector)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		todo := make(chan *callboard.Entity)
		var wg sync.WaitGroup
		for range k.s.driftWorkers {
			wg.Go(func() {
				for e := range todo {
					if err := k.scanOne(ctx, e, log); err != nil {
						cancel(err)
					}
				}
			})
		}
	feed:
		for _, e := range es {
			if !hasKubernetes(e) || !hasManifests(e) {
				continue
			}
			select {
			case todo <- e:
			case <-ctx.Done():
				break feed
			}
		}
		close(todo)
		wg.Wait()
		return context.Cause(ctx)
	}}
}

// scanOne computes and stores e's drifted fact.
func (k *k8s) scanOne(ctx context.Context, e *callboard.Entity, log func(msg string, args ...any)) error {
	rep, err := k.drift(ctx, e)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log("cannot compute drift", "entity", e.Ref().String(), "err", err)
	}
	drifted := err == nil && rep.Drifted
	f := callboard.Fact{Key: factDrifted, Value: drifted, At: time.Now().UTC()}
	return k.store.PutFacts(ctx, factSource, e.Ref().String(), []callboard.Fact{f})
}

// driftedFilter is the catalog's "Drifted from git" filter: the stored
// drifted facts, the same on every replica.
func (k *k8s) driftedFilter() plugin.CatalogFilter {
	return plugin.CatalogFilter{Param: "drifted", Label: "Drifted from git", Entities: func(ctx context.Context) ([]string, error) {
		drifted, err := k.store.EntitiesWithFact(ctx, factSource, factDrifted, true)
		if err != nil || len(drifted) > 0 {
			return drifted, err
		}
		// None drifted, or no scan has stored anything yet.
		inSync, err := k.store.EntitiesWithFact(ctx, factSource, factDrifted, false)
		if err != nil {
			return nil, err
		}
		if len(inSync) == 0 {
			return nil, callboard.Errorf(callboard.Upstream, "drift from git is not computed yet; it is every %s (kubernetes.driftInterval)", k.s.driftEvery)
		}
		return []string{}, nil
	}}
}

// memFacts keeps facts in memory when the portal gives no fact store
// (env.Facts nil): the replica that ran the job is the only one that
// knows them.
type memFacts struct {
	mu    sync.Mutex
	facts map[[2]string][]callboard.Fact // by source and entity
}

func (m *memFacts) PutFacts(_ context.Context, source, entity string, facts []callboard.Fact) error {
	for _, f := range facts {
		if err := callboard.CheckFact(f); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.facts == nil {
		m.facts = map[[2]string][]callboard.Fact{}
	}
	m.facts[[2]string{source, entity}] = slices.Clone(facts)
	return nil
}

func (m *memFacts) FactsOf(_ context.Context, entity string) ([]callboard.Fact, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []callboard.Fact
	for k, fs := range m.facts {
		if k[1] == entity {
			out = append(out, fs...)
		}
	}
	return out, nil
}

func (m *memFacts) FactsWithKey(_ context.Context, source, key string) ([]callboard.Fact, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []callboard.Fact
	for k, fs := range m.facts {
		for _, f := range fs {
			if k[0] == source && f.Key == key {
				f.Entity, f.Source = k[1], source
				out = append(out, f)
			}
		}
	}
	slices.SortFunc(out, func(a, b callboard.Fact) int { return strings.Compare(a.Entity, b.Entity) })
	return out, nil
}

func (m *memFacts) EntitiesWithFact(_ context.Context, source, key string, value any) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k, fs := range m.facts {
		for _, f := range fs {
			if k[0] == source && f.Key == key && f.Value == value {
				out = append(out, k[1])
				break
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
