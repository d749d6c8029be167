package kubernetes

import (
	"context"
	"slices"
	"sync"

	"callboard"
	"callboard/plugin"
)

// driftScan is the result of the last drift job: the refs of the entities
// whose running objects differ from git. It lives in memory on the
// replica that ran the job.
type driftScan struct {
	mu      sync.Mutex
	done    bool
	drifted []string
}

// driftJob computes the drift of every entity with Kubernetes annotations
// and manifests; an entity whose drift cannot be computed (its repository
// or a cluster does not answer) counts as not drifted and is logged.
func (k *k8s) driftJob(log func(msg string, args ...any)) plugin.Job {
	return plugin.Job{Name: "drift", Every: k.s.driftEvery, Run: func(ctx context.Context) error {
		es, err := k.catalog.EntitiesWith(ctx, "metadata.annotations."+AnnotationID, "metadata.annotations."+AnnotationLabelSelector)
		if err != nil {
			return err
		}
		var drifted []string
		for _, e := range es {
			if !hasKubernetes(e) || manifestsURL(e) == "" {
				continue
			}
			rep, err := k.drift(ctx, e)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				log("cannot compute drift", "entity", e.Ref().String(), "err", err)
				continue
			}
			if rep.Drifted {
				drifted = append(drifted, e.Ref().String())
			}
		}
		slices.Sort(drifted)
		k.scan.mu.Lock()
		k.scan.done, k.scan.drifted = true, drifted
		k.scan.mu.Unlock()
		return nil
	}}
}

// driftedFilter is the catalog's "Drifted from git" filter.
func (k *k8s) driftedFilter() plugin.CatalogFilter {
	return plugin.CatalogFilter{Param: "drifted", Label: "Drifted from git", Entities: func(ctx context.Context) ([]string, error) {
		k.scan.mu.Lock()
		defer k.scan.mu.Unlock()
		if !k.scan.done {
			return nil, callboard.Errorf(callboard.Upstream, "drift from git is not computed yet on this server; it is every %s (kubernetes.driftInterval)", k.s.driftEvery)
		}
		return slices.Clone(k.scan.drifted), nil
	}}
}
