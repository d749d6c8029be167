// Package idp is the IDP metrics plugin: the brief's measures of what the
// portal is worth (service information completeness, documentation
// freshness, monthly active users, new-service lead time, template usage),
// computed from the catalog, the scorecards' results, the plugins' facts
// and the scaffolder's tasks; a daily snapshot of them for trends; the
// IDP metrics page at /idp and GET /api/idp/metrics (JSON or CSV).
package idp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/scorecard"
)

// Config is the idp section of app-config.yaml.
type Config struct {
	// FreshDays is how recent a doc's last change must be to count as
	// fresh (90, the brief's three months).
	FreshDays int `yaml:"freshDays"`
	// SnapshotInterval is how often the day's snapshot is computed and
	// stored ("1h"); the last one of a day stands for it.
	SnapshotInterval string `yaml:"snapshotInterval"`
	// TrendDays is how many days of snapshots the page draws (90).
	TrendDays int `yaml:"trendDays"`
}

// Sources are what the metrics read beyond the plugin's Env: the whole
// catalog, the scaffolder's tasks and the metrics' own store.
type Sources struct {
	// Entities returns every entity of the catalog.
	Entities func(ctx context.Context) ([]*callboard.Entity, error)
	Tasks    callboard.TaskStore
	Store    callboard.IDPStore
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Facts the lead time reads: the first successful production deployment
// of an entity, by source plugin and key.
var deployFacts = [][2]string{{"argocd", "firstDeployedAt"}, {"github", "deployments.firstProductionAt"}}

// IDP is the metrics of one server: the plugin, the latest figures (for
// /metrics gauges) and the active-user recorder (for the web server).
type IDP struct {
	src   Sources
	env   plugin.Env
	fresh time.Duration
	trend int

	computing sync.Mutex // one computation for the requests at a time
	mu        sync.Mutex
	latest    *Metrics
	seen      map[string]bool // month/hash recorded by this process
}

// New returns the metrics over src.
func New(src Sources) *IDP {
	if src.Now == nil {
		src.Now = time.Now
	}
	return &IDP{src: src, seen: map[string]bool{}}
}

// Plugin is the IDP metrics plugin of m; it is always enabled. A nil m
// (commands that only read declarations) has no sources.
func Plugin(m *IDP) plugin.Plugin {
	if m == nil {
		m = New(Sources{})
	}
	return plugin.Plugin{ID: "idp", Title: "IDP metrics", ConfigKey: "idp", Always: true, Setup: m.setup}
}

func (m *IDP) setup(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
	cfg := Config{FreshDays: 90, TrendDays: 90}
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	every, err := plugin.Duration("idp.snapshotInterval", cfg.SnapshotInterval, time.Hour)
	if err != nil {
		return nil, err
	}
	if cfg.FreshDays <= 0 || cfg.TrendDays <= 0 || every <= 0 {
		return nil, callboard.Errorf(callboard.Invalid, "idp.freshDays, idp.trendDays and idp.snapshotInterval must be above zero")
	}
	m.env, m.fresh, m.trend = env, time.Duration(cfg.FreshDays)*24*time.Hour, cfg.TrendDays
	in := &plugin.Instance{Routes: m.routes(), Pages: m.pages()}
	if m.src.Store != nil {
		in.Jobs = []plugin.Job{{Name: "snapshot", Every: every, Run: m.snapshot}}
	}
	return in, nil
}

// Latest returns the figures last computed, for gauges; nil before the
// first computation.
func (m *IDP) Latest() *Metrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latest
}

// maxAge is how old the figures pages and the API answer with may be:
// computing reads the catalog, the scorecard results and two fact columns
// (BenchmarkCompute: 50-90 ms for 5,000 components).
const maxAge = time.Minute

// current returns figures at most maxAge old, computing them if need be;
// requests arriving meanwhile wait for that one computation.
func (m *IDP) current(ctx context.Context) (*Metrics, error) {
	fresh := func() *Metrics {
		if l := m.Latest(); l != nil && m.src.Now().Sub(l.ComputedAt) < maxAge {
			return l
		}
		return nil
	}
	if l := fresh(); l != nil {
		return l, nil
	}
	m.computing.Lock()
	defer m.computing.Unlock()
	if l := fresh(); l != nil {
		return l, nil
	}
	return m.Compute(ctx)
}

// Compute computes the figures now and keeps them as the latest.
func (m *IDP) Compute(ctx context.Context) (*Metrics, error) {
	now := m.src.Now().UTC()
	out := &Metrics{ComputedAt: now, Templates: []TemplateUsage{}, Definitions: definitions}
	var components []string
	var docs []callboard.EntityRef
	loaded := true // an empty catalog is one still loading: its zeros are not kept
	if m.src.Entities != nil {
		es, err := m.src.Entities(ctx)
		if err != nil {
			return nil, err
		}
		loaded = len(es) > 0
		for _, e := range es {
			if strings.EqualFold(e.Kind, "component") {
				components = append(components, e.Ref().String())
			}
			if e.Annotation(callboard.AnnotationTechDocsRef) != "" {
				docs = append(docs, e.Ref())
			}
		}
	}
	var results []callboard.ScorecardResult
	if m.env.Scorecards != nil {
		var err error
		if results, err = m.env.Scorecards.ScorecardResults(ctx, scorecard.DefaultID); err != nil {
			return nil, err
		}
	}
	out.ServiceCompleteness = completeness(components, results)
	df, err := m.docFacts(ctx, docs)
	if err != nil {
		return nil, err
	}
	out.DocsFreshness = freshness(df, now, m.fresh)
	month := now.Format("2006-01")
	out.MonthlyActiveUsers.Month = month
	if m.src.Store != nil {
		if out.MonthlyActiveUsers.Value, err = m.src.Store.ActiveUsers(ctx, month); err != nil {
			return nil, err
		}
	}
	if m.src.Tasks != nil {
		tasks, _, err := m.src.Tasks.Tasks(ctx, callboard.TaskFilter{})
		if err != nil {
			return nil, err
		}
		out.Templates = templates(tasks)
		samples, err := m.leadTimes(ctx, tasks)
		if err != nil {
			return nil, err
		}
		out.NewServiceLeadTime = leadTime(samples)
	}
	if loaded {
		m.mu.Lock()
		m.latest = out
		m.mu.Unlock()
	}
	return out, nil
}

// docFacts reads the docs plugin's stored facts of the entities in refs,
// two reads for the whole catalog.
func (m *IDP) docFacts(ctx context.Context, refs []callboard.EntityRef) ([]DocFacts, error) {
	byRef := map[string]*DocFacts{}
	out := make([]DocFacts, len(refs))
	for i, ref := range refs {
		byRef[ref.String()] = &out[i]
	}
	if m.env.Facts == nil {
		return out, nil
	}
	for _, key := range []string{"updatedAt", "builtAt"} {
		fs, err := m.env.Facts.FactsWithKey(ctx, "docs", key)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			d, ok := byRef[f.Entity]
			t, isTime := f.Value.(time.Time)
			if !ok || !isTime {
				continue
			}
			if key == "updatedAt" {
				d.UpdatedAt = t
			} else {
				d.BuiltAt = t
			}
		}
	}
	return out, nil
}

// leadTimes are, for each completed task that registered an entity, the
// time from the task's creation to the entity's first production
// deployment after it, when one was seen.
func (m *IDP) leadTimes(ctx context.Context, tasks []callboard.Task) ([]time.Duration, error) {
	var out []time.Duration
	for _, t := range tasks {
		if t.Status != callboard.TaskCompleted || m.env.Facts == nil {
			continue
		}
		steps, err := m.src.Tasks.TaskSteps(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		ref := registered(steps)
		if ref == "" {
			continue
		}
		fs, err := m.env.Facts.FactsOf(ctx, ref)
		if err != nil {
			return nil, err
		}
		var first time.Time
		for _, f := range fs {
			at, ok := f.Value.(time.Time)
			if !ok || !isDeployFact(f) || at.Before(t.CreatedAt) {
				continue
			}
			if first.IsZero() || at.Before(first) {
				first = at
			}
		}
		if !first.IsZero() {
			out = append(out, first.Sub(t.CreatedAt))
		}
	}
	return out, nil
}

func isDeployFact(f callboard.Fact) bool {
	for _, d := range deployFacts {
		if f.Source == d[0] && f.Key == d[1] {
			return true
		}
	}
	return false
}

// registered is the entityRef a task's steps output (catalog:register).
func registered(steps []callboard.TaskStep) string {
	for _, s := range steps {
		var out struct {
			EntityRef string `json:"entityRef"`
		}
		if s.Status == "completed" && json.Unmarshal(s.Output, &out) == nil && out.EntityRef != "" {
			if ref, err := callboard.ParseRef(out.EntityRef, "component", "default"); err == nil {
				return ref.String()
			}
		}
	}
	return ""
}

// snapshot stores today's figures, and closes the active-user months
// before this one (their hashes become counts).
func (m *IDP) snapshot(ctx context.Context) error {
	got, err := m.Compute(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(snapshotOf(got))
	if err != nil {
		return err
	}
	if err := m.src.Store.PutIDPSnapshot(ctx, got.ComputedAt.Format(time.DateOnly), body); err != nil {
		return err
	}
	return m.src.Store.CloseIDPMonths(ctx, got.ComputedAt.Format("2006-01"))
}

// snapshotOf is the figures without their definitions.
func snapshotOf(m *Metrics) Metrics {
	s := *m
	s.Definitions = nil
	return s
}

// SeenUser records subject as active this month: a hash of the ref, once
// per month per process. Failures are logged; the request goes on.
func (m *IDP) SeenUser(ctx context.Context, subject string) {
	if m.src.Store == nil || subject == "" {
		return
	}
	month := m.src.Now().UTC().Format("2006-01")
	h := UserHash(subject)
	key := month + "/" + h
	m.mu.Lock()
	done := m.seen[key]
	if !done {
		if len(m.seen) > 100_000 {
			clear(m.seen) // bounded; a repeat write is a no-op
		}
		m.seen[key] = true
	}
	m.mu.Unlock()
	if done {
		return
	}
	if err := m.src.Store.RecordActiveUser(context.WithoutCancel(ctx), month, h); err != nil {
		m.mu.Lock()
		delete(m.seen, key)
		m.mu.Unlock()
		if m.env.Log != nil {
			m.env.Log.Warn("cannot record an active user", "err", err)
		}
	}
}

// UserHash is what the store keeps of a user: the SHA-256 of the
// lower-cased ref, so the table holds no names.
func UserHash(subject string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(subject)))
	return hex.EncodeToString(sum[:16])
}
