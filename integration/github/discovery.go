package github

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	gogithub "github.com/google/go-github/v75/github"

	"callboard"
)

// DiscoveryConfig is one entry of Backstage's catalog.providers.github.
type DiscoveryConfig struct {
	ID           string
	Host         string // default github.com
	Organization string
	CatalogPath  string // default /catalog-info.yaml; globs (/**/catalog-info.yaml) allowed
	Filters      DiscoveryFilters
	Schedule     Schedule
}

// DiscoveryFilters are catalog.providers.github.<id>.filters.
type DiscoveryFilters struct {
	Branch        string   // default: each repository's default branch
	Repository    string   // regular expression on the repository name
	TopicInclude  []string // keep repositories with any of these topics
	TopicExclude  []string // drop repositories with any of these (wins over include)
	Visibility    []string // public, private, internal; empty: all
	AllowForks    *bool    // default true
	AllowArchived bool     // archived repositories are skipped unless set
}

// Schedule is a provider's schedule (Backstage's SchedulerServiceTaskScheduleDefinition).
type Schedule struct {
	Frequency    time.Duration
	Timeout      time.Duration
	InitialDelay time.Duration
	// Leases, when set, makes replicas sharing one database run the
	// schedule once between them: each run first takes the lease named
	// after the provider, as Holder (unique per replica). Nil: every run
	// runs (one replica).
	Leases callboard.LeaseStore
	Holder string
}

// Discovery is the GitHub discovery entity provider: it emits a url
// Location for every catalog file of every matching repository of an
// organization, as Backstage's GithubEntityProvider does.
type Discovery struct {
	cfg    DiscoveryConfig
	c      *Client
	sink   callboard.ProviderSink
	repoRE *regexp.Regexp
	log    *slog.Logger
	run    sync.Mutex // one full run at a time
}

// DiscoveryStats describes one full run.
type DiscoveryStats struct {
	Repos, Matched, Locations, Failed int
	Requests, NotModified             int64
	Took                              time.Duration
}

// NewDiscovery returns the provider for cfg, feeding sink.
func (c *Client) NewDiscovery(cfg DiscoveryConfig, sink callboard.ProviderSink, log *slog.Logger) (*Discovery, error) {
	p := fmt.Sprintf("catalog.providers.github.%s", cfg.ID)
	if cfg.ID == "" || cfg.Organization == "" {
		return nil, callboard.Errorf(callboard.Invalid, "%s: organization is required", p)
	}
	if cfg.CatalogPath == "" {
		cfg.CatalogPath = "/catalog-info.yaml"
	}
	if cfg.Schedule.Frequency <= 0 {
		cfg.Schedule.Frequency = 30 * time.Minute
	}
	if cfg.Schedule.Timeout <= 0 {
		cfg.Schedule.Timeout = cfg.Schedule.Frequency
	}
	if cfg.Schedule.Leases != nil && cfg.Schedule.Holder == "" {
		return nil, callboard.Errorf(callboard.Invalid, "%s: a schedule with leases needs a holder", p)
	}
	d := &Discovery{cfg: cfg, c: c, sink: sink, log: log}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Filters.Repository != "" {
		re, err := regexp.Compile(cfg.Filters.Repository)
		if err != nil {
			return nil, callboard.Errorf(callboard.Invalid, "%s.filters.repository: %v", p, err)
		}
		d.repoRE = re
	}
	for _, v := range cfg.Filters.Visibility {
		if v != "public" && v != "private" && v != "internal" {
			return nil, callboard.Errorf(callboard.Invalid, "%s.filters.visibility: want public, private or internal, got %q", p, v)
		}
	}
	return d, nil
}

// Name is the provider's bucket name, as Backstage names it.
func (d *Discovery) Name() string { return "github-provider:" + d.cfg.ID }

// Organization is the organization the provider reads.
func (d *Discovery) Organization() string { return d.cfg.Organization }

// Run refreshes on the schedule until ctx ends: after InitialDelay, then
// every Frequency, each run bounded by Timeout. Failed runs are logged
// and change nothing.
func (d *Discovery) Run(ctx context.Context) error {
	return runSchedule(ctx, d.cfg.Schedule, d.log, d.Name(), func(ctx context.Context) error {
		st, err := d.Refresh(ctx)
		if err == nil {
			d.log.Info("github discovery", "provider", d.Name(), "repos", st.Repos, "matched", st.Matched,
				"locations", st.Locations, "failed", st.Failed, "requests", st.Requests, "notModified", st.NotModified,
				"took", st.Took.Round(time.Millisecond))
		}
		return err
	})
}

// Refresh runs one full discovery and applies it as one mutation. A
// repository that could not be read keeps the locations it had.
func (d *Discovery) Refresh(ctx context.Context) (DiscoveryStats, error) {
	d.run.Lock()
	defer d.run.Unlock()
	start := time.Now()
	req0, nm0 := d.c.stats.Requests.Load(), d.c.stats.NotModified.Load()
	var st DiscoveryStats
	repos, err := d.listRepos(ctx)
	if err != nil {
		return st, err
	}
	st.Repos = len(repos)
	var matched []*gogithub.Repository
	for _, r := range repos {
		if d.matches(r) {
			matched = append(matched, r)
		}
	}
	st.Matched = len(matched)
	prev := d.sink.ProviderLocations(d.Name())
	results := make([][]callboard.Location, len(matched))
	errs := make([]error, len(matched))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, r := range matched {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], errs[i] = d.locations(ctx, r)
		}()
	}
	wg.Wait()
	var locs []callboard.Location
	for i, r := range matched {
		if errs[i] != nil {
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			st.Failed++
			d.log.Warn("github discovery: repository skipped, keeping its entities", "repo", r.GetFullName(), "err", errs[i])
			results[i] = within(prev, d.repoPrefix(r.GetName()))
		}
		locs = append(locs, results[i]...)
	}
	st.Locations = len(locs)
	if err := d.sink.ApplyProvider(ctx, d.Name(), callboard.ProviderMutation{Locations: locs}); err != nil {
		return st, err
	}
	st.Requests, st.NotModified = d.c.stats.Requests.Load()-req0, d.c.stats.NotModified.Load()-nm0
	st.Took = time.Since(start)
	return st, nil
}

// RefreshRepo re-reads one repository of the organization (after a
// webhook) and replaces only its locations.
func (d *Discovery) RefreshRepo(ctx context.Context, name string) error {
	var locs []callboard.Location
	r, _, err := d.c.gh.Repositories.Get(Context(ctx), d.cfg.Organization, name)
	switch {
	case kindOf(err) == callboard.NotFound:
		// Deleted or transferred: its locations go.
	case err != nil:
		return wrap(err, "repository %s/%s", d.cfg.Organization, name)
	case d.matches(r):
		if locs, err = d.locations(ctx, r); err != nil {
			return err
		}
	}
	return d.sink.ApplyProvider(ctx, d.Name(), callboard.ProviderMutation{Scope: d.repoPrefix(name), Locations: locs})
}

func (d *Discovery) repoPrefix(name string) string {
	return d.c.cfg.webBase() + "/" + d.cfg.Organization + "/" + name + "/"
}

func within(locs []callboard.Location, prefix string) []callboard.Location {
	var out []callboard.Location
	for _, l := range locs {
		if strings.HasPrefix(l.Target, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func (d *Discovery) listRepos(ctx context.Context) ([]*gogithub.Repository, error) {
	opt := &gogithub.RepositoryListByOrgOptions{ListOptions: gogithub.ListOptions{PerPage: 100}}
	var all []*gogithub.Repository
	for {
		page, resp, err := d.c.gh.Repositories.ListByOrg(Context(ctx), d.cfg.Organization, opt)
		if err != nil {
			return nil, wrap(err, "list repositories of %s", d.cfg.Organization)
		}
		all = append(all, page...)
		if resp.NextPage == 0 {
			return all, nil
		}
		opt.Page = resp.NextPage
	}
}

// matches applies the filters, as Backstage does.
func (d *Discovery) matches(r *gogithub.Repository) bool {
	f := d.cfg.Filters
	if r.GetArchived() && !f.AllowArchived {
		return false
	}
	if r.GetFork() && f.AllowForks != nil && !*f.AllowForks {
		return false
	}
	if d.repoRE != nil && !d.repoRE.MatchString(r.GetName()) {
		return false
	}
	if len(f.Visibility) > 0 && !slices.Contains(f.Visibility, r.GetVisibility()) {
		return false
	}
	for _, t := range r.Topics {
		if slices.Contains(f.TopicExclude, t) {
			return false
		}
	}
	if len(f.TopicInclude) > 0 && !slices.ContainsFunc(r.Topics, func(t string) bool { return slices.Contains(f.TopicInclude, t) }) {
		return false
	}
	return true
}

// locations returns the catalog files of r: the catalogPath if it exists
// on the branch, or every file the glob matches in the recursive tree.
func (d *Discovery) locations(ctx context.Context, r *gogithub.Repository) ([]callboard.Location, error) {
	branch := d.cfg.Filters.Branch
	if branch == "" {
		branch = r.GetDefaultBranch()
	}
	owner, name := d.cfg.Organization, r.GetName()
	p := strings.TrimPrefix(d.cfg.CatalogPath, "/")
	loc := func(file string) callboard.Location {
		return callboard.Location{Type: "url", Target: d.c.FileURL(owner, name, branch, file)}
	}
	if !strings.ContainsAny(p, "*?[") {
		_, err := d.c.ReadFile(ctx, owner, name, branch, p)
		if kindOf(err) == callboard.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []callboard.Location{loc(p)}, nil
	}
	tree, _, err := d.c.gh.Git.GetTree(Context(ctx), owner, name, branch, true)
	if kindOf(err) == callboard.NotFound || kindOf(err) == callboard.Conflict {
		return nil, nil // no such branch, or an empty repository
	}
	if err != nil {
		return nil, wrap(err, "tree of %s/%s@%s", owner, name, branch)
	}
	var out []callboard.Location
	for _, e := range tree.Entries {
		if e.GetType() == "blob" && callboard.MatchPath(p, e.GetPath()) {
			out = append(out, loc(e.GetPath()))
		}
	}
	return out, nil
}
