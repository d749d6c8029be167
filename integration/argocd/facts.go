package argocd

import (
	"context"
	"time"

	"callboard"
)

// facts are what scorecards read about an entity's applications:
//
//	apps            int   applications found
//	missing         int   names Argo CD does not know
//	synced          bool  every application found is Synced (false with none)
//	healthy         bool  every application found is Healthy (false with none)
//	sync.status     string  Synced, or the first other status
//	health.status   string  Healthy, or the first other status
//	lastDeployedAt  time  the latest deployment in any application's history
//	firstDeployedAt time  the earliest one (IDP metrics: new-service lead time)
//
// An instance that fails fails the answer (the stored facts stay).
func (p *argoPlugin) facts(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, error) {
	if !applies(e) {
		return nil, nil
	}
	rs, err := p.lookup(ctx, e)
	if err != nil {
		return nil, err
	}
	var apps, missing int64
	sync, health := "", ""
	var last, first time.Time
	for _, r := range rs {
		switch {
		case r.err != nil:
			return nil, r.err
		case r.notFound || r.app == nil:
			missing++
			continue
		}
		apps++
		st := r.app.Status
		if s := orUnknown(st.Sync.Status); sync == "" || sync == "Synced" {
			sync = s
		}
		if h := orUnknown(st.Health.Status); health == "" || health == "Healthy" {
			health = h
		}
		for _, h := range st.History {
			if h.DeployedAt.After(last) {
				last = h.DeployedAt
			}
			if !h.DeployedAt.IsZero() && (first.IsZero() || h.DeployedAt.Before(first)) {
				first = h.DeployedAt
			}
		}
	}
	out := []callboard.Fact{
		{Key: "apps", Value: apps},
		{Key: "missing", Value: missing},
		{Key: "synced", Value: apps > 0 && sync == "Synced"},
		{Key: "healthy", Value: apps > 0 && health == "Healthy"},
	}
	if apps > 0 {
		out = append(out, callboard.Fact{Key: "sync.status", Value: sync}, callboard.Fact{Key: "health.status", Value: health})
	}
	if !last.IsZero() {
		out = append(out, callboard.Fact{Key: "lastDeployedAt", Value: last.UTC()}, callboard.Fact{Key: "firstDeployedAt", Value: first.UTC()})
	}
	return out, nil
}
