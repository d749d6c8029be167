// Package scorecards is the Scorecards plugin: it gathers facts about
// every entity (the catalog's own, and every plugin's through the plugin
// seam), evaluates the scorecards of package scorecard on them, stores
// the results with a daily history, and shows them: a Scorecard tab per
// entity, the Scorecards page with per-team and per-system roll-ups and
// trends, catalog filters by level and failing check, and the JSON API
// under /api/scorecards.
package scorecards

import (
	"context"
	"sync"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/scorecard"
)

// Config is the scorecards section of app-config.yaml.
type Config struct {
	// Files are scorecard files, reloaded when they change; a file that
	// fails keeps the previous scorecards in force.
	Files []string `yaml:"files"`
	// Builtin keeps the built-in service completeness scorecard (true
	// by default).
	Builtin *bool `yaml:"builtin"`
	// Interval is how often every entity's facts are gathered from every
	// plugin and all scorecards evaluated ("1h").
	Interval string `yaml:"interval"`
	// ChangeInterval is how often entities new or changed in the catalog
	// are gathered and evaluated, and all of them evaluated again after a
	// scorecard file changed ("1m").
	ChangeInterval string `yaml:"changeInterval"`
	// ReloadInterval is how often the files are checked for changes
	// ("5s").
	ReloadInterval string `yaml:"reloadInterval"`
}

// Defaults of the intervals.
const (
	DefaultInterval       = time.Hour
	DefaultChangeInterval = time.Minute
	DefaultReloadInterval = 5 * time.Second
)

// ReadFunc reads a file by URL through the portal's URL reader: the
// entity's catalog-info.yaml, to link a fix to its line. Nil turns the
// line links off.
type ReadFunc func(ctx context.Context, url string) ([]byte, error)

// Plugin is the Scorecards plugin. It is always enabled: without a
// scorecards section the built-in scorecard applies.
func Plugin(read ReadFunc) plugin.Plugin {
	return plugin.Plugin{
		ID:        "scorecards",
		Title:     "Scorecards",
		ConfigKey: "scorecards",
		Always:    true,
		Setup: func(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
			return setup(env, read)
		},
	}
}

// board is the enabled plugin.
type board struct {
	env     plugin.Env
	read    ReadFunc
	watcher *scorecard.Watcher
	reload  time.Duration
	facts   callboard.FactStore
	results callboard.ScorecardStore

	mu        sync.Mutex
	lastCheck time.Time
	gen       int               // bumped by each reload that took effect
	evaluated map[string]string // entity ref -> etag and gen last evaluated
}

func setup(env plugin.Env, read ReadFunc) (*plugin.Instance, error) {
	var cfg Config
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	every, err := plugin.Duration("scorecards.interval", cfg.Interval, DefaultInterval)
	if err != nil {
		return nil, err
	}
	changes, err := plugin.Duration("scorecards.changeInterval", cfg.ChangeInterval, DefaultChangeInterval)
	if err != nil {
		return nil, err
	}
	reload, err := plugin.Duration("scorecards.reloadInterval", cfg.ReloadInterval, DefaultReloadInterval)
	if err != nil {
		return nil, err
	}
	if every <= 0 || changes <= 0 {
		return nil, callboard.Errorf(callboard.Invalid, "scorecards.interval and scorecards.changeInterval must be above zero")
	}
	b := &board{env: env, read: read, reload: reload, facts: env.Facts, results: env.Scorecards, evaluated: map[string]string{}}
	builtin := cfg.Builtin == nil || *cfg.Builtin
	b.watcher, err = scorecard.NewWatcher(cfg.Files, builtin, b.reloaded)
	if err != nil {
		return nil, err // names file:line: field
	}
	for _, w := range b.watcher.Set().Warnings {
		env.Log.Warn("scorecard check does not compile; it fails until fixed", "problem", w)
	}
	in := &plugin.Instance{
		Tabs:   []plugin.Tab{{ID: "scorecard", Title: "Scorecard", Applies: b.applies, Render: b.tab}},
		Routes: b.routes(),
	}
	if env.Catalog != nil && b.facts != nil && b.results != nil {
		in.Jobs = []plugin.Job{
			{Name: "gather", Every: every, Run: b.gather},
			{Name: "changes", Every: changes, Run: b.changes},
		}
		in.Pages = b.pages()
		in.CatalogFilters = b.filters()
	}
	return in, nil
}

// set returns the scorecards in force, checking the files first when the
// last check is older than the reload interval: every replica reloads on
// its own, with no goroutine to stop.
func (b *board) set() *scorecard.Set {
	b.mu.Lock()
	due := time.Since(b.lastCheck) >= b.reload
	if due {
		b.lastCheck = time.Now()
	}
	b.mu.Unlock()
	if due {
		b.watcher.Check()
	}
	return b.watcher.Set()
}

// reloaded logs a reload: its warnings when it worked, its problems when
// the previous scorecards stay.
func (b *board) reloaded(set *scorecard.Set, err error) {
	if err != nil {
		b.env.Log.Error("scorecard files rejected; the previous scorecards stay in force", "err", err)
		return
	}
	b.mu.Lock()
	b.gen++
	b.mu.Unlock()
	b.env.Log.Info("scorecards reloaded", "scorecards", len(set.Scorecards))
	for _, w := range set.Warnings {
		b.env.Log.Warn("scorecard check does not compile; it fails until fixed", "problem", w)
	}
}

// applies holds for entities some scorecard applies to.
func (b *board) applies(e *callboard.Entity) bool {
	for _, s := range b.set().Scorecards {
		if s.Applies(e) {
			return true
		}
	}
	return false
}
