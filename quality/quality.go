// Package quality is the Data quality plugin: it finds the catalog's
// source orphans, ownership orphans, stale entities, dangling relations
// and duplicate names (Analyze), shows them on the Data quality page and
// as catalog filters, lets admins delete source orphans (a dry-run list
// first, then a confirmation; each deletion audited), and sends each
// owning team a weekly digest of its entities' problems.
package quality

import (
	"context"
	"sync"
	"time"

	"callboard"
	"callboard/plugin"
)

// Config is the quality section of app-config.yaml.
type Config struct {
	// StaleAfter is how long an entity may go without a refresh from its
	// source before it is stale ("720h", 30 days).
	StaleAfter string `yaml:"staleAfter"`
	// Digest is the weekly digest to owning teams.
	Digest DigestConfig `yaml:"digest"`
}

// DefaultStaleAfter is 30 days.
const DefaultStaleAfter = 30 * 24 * time.Hour

// PermDeleteOrphans lets a caller delete source orphans in bulk; the
// default policy gives it to admins only.
const PermDeleteOrphans = "quality.orphans.delete"

// Sources are what the plugin reads and changes beyond its Env.
type Sources struct {
	// Entities returns every stored entity with its orphan flag and the
	// time it last changed.
	Entities func(ctx context.Context) ([]Stored, error)
	// Reads keeps the last good read of each catalog file.
	Reads callboard.SourceReadStore
	// Delete removes an entity from the catalog by uid.
	Delete func(ctx context.Context, uid string) error
	// Audit records each deletion.
	Audit callboard.AuditLog
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Quality is the plugin of one server.
type Quality struct {
	src      Sources
	env      plugin.Env
	maxAge   time.Duration
	notifier Notifier

	mu     sync.Mutex
	reads  map[string]time.Time // not yet stored
	report *Report
}

// New returns the plugin over src.
func New(src Sources) *Quality {
	if src.Now == nil {
		src.Now = time.Now
	}
	return &Quality{src: src, reads: map[string]time.Time{}}
}

// Plugin is the Data quality plugin of q, always enabled; a nil q (for
// declarations) has no sources.
func Plugin(q *Quality) plugin.Plugin {
	if q == nil {
		q = New(Sources{})
	}
	return plugin.Plugin{ID: "quality", Title: "Data quality", ConfigKey: "quality", Always: true,
		Permissions: []callboard.Permission{{Name: PermDeleteOrphans, Action: "delete"}},
		Setup:       q.setup}
}

func (q *Quality) setup(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
	var cfg Config
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	var err error
	if q.maxAge, err = plugin.Duration("quality.staleAfter", cfg.StaleAfter, DefaultStaleAfter); err != nil {
		return nil, err
	}
	every, err := plugin.Duration("quality.digest.interval", cfg.Digest.Interval, 7*24*time.Hour)
	if err != nil {
		return nil, err
	}
	if q.maxAge <= 0 || every <= 0 {
		return nil, callboard.Errorf(callboard.Invalid, "quality.staleAfter and quality.digest.interval must be above zero")
	}
	q.env = env
	if q.notifier, err = newNotifier(cfg.Digest, env); err != nil {
		return nil, err
	}
	in := &plugin.Instance{Routes: q.routes(), Pages: q.pages(), CatalogFilters: q.filters()}
	if q.src.Entities != nil {
		in.Jobs = []plugin.Job{
			{Name: "reads", Every: time.Minute, Run: q.flushReads},
			{Name: "digest", Every: every, Run: q.sendDigests},
		}
	}
	return in, nil
}

// ObserveFile notes a good read of a catalog file (catalog.Options).
func (q *Quality) ObserveFile(file string) {
	q.mu.Lock()
	q.reads[file] = q.src.Now().UTC()
	q.mu.Unlock()
}

// flushReads stores the reads noted since the last flush.
func (q *Quality) flushReads(ctx context.Context) error {
	if q.src.Reads == nil {
		return nil
	}
	q.mu.Lock()
	reads := q.reads
	q.reads = map[string]time.Time{}
	q.mu.Unlock()
	if err := q.src.Reads.PutSourceReads(ctx, reads); err != nil {
		q.mu.Lock()
		for k, v := range reads {
			if v.After(q.reads[k]) {
				q.reads[k] = v
			}
		}
		q.mu.Unlock()
		return err
	}
	return nil
}

// Report returns the issues the caller ctx carries may see (the entities
// it may read), at most a minute old.
func (q *Quality) Report(ctx context.Context) (*Report, error) {
	r, err := q.fullReport(ctx)
	if err != nil {
		return nil, err
	}
	return r.Visible(func(e *callboard.Entity) bool { return plugin.Allowed(ctx, callboard.PermEntityRead, e) }), nil
}

// fullReport returns every issue, at most a minute old, analyzing if need be.
func (q *Quality) fullReport(ctx context.Context) (*Report, error) {
	q.mu.Lock()
	r := q.report
	q.mu.Unlock()
	if r != nil && q.src.Now().Sub(r.At) < time.Minute {
		return r, nil
	}
	return q.analyze(ctx)
}

// analyze reads the catalog and the reads and finds the issues now.
func (q *Quality) analyze(ctx context.Context) (*Report, error) {
	if q.src.Entities == nil {
		return Analyze(nil, q.src.Now().UTC(), q.maxAge), nil
	}
	if err := q.flushReads(ctx); err != nil {
		return nil, err
	}
	es, err := q.src.Entities(ctx)
	if err != nil {
		return nil, err
	}
	var reads map[string]time.Time
	if q.src.Reads != nil {
		if reads, err = q.src.Reads.SourceReads(ctx); err != nil {
			return nil, err
		}
	}
	for i := range es {
		if at := reads[es[i].Entity.Annotation(callboard.AnnotationManagedByLocation)]; at.After(es[i].Refreshed) {
			es[i].Refreshed = at
		}
	}
	r := Analyze(es, q.src.Now().UTC(), q.maxAge)
	if len(es) > 0 { // an empty catalog is one still loading: not kept
		q.mu.Lock()
		q.report = r
		q.mu.Unlock()
	}
	return r, nil
}

// forget drops the cached report, after a change.
func (q *Quality) forget() {
	q.mu.Lock()
	q.report = nil
	q.mu.Unlock()
}
