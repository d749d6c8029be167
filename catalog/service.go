// Package catalog is the software catalog: it reads locations, validates and
// processes entities, keeps their relations, and answers queries through an
// in-memory index backed by the entity store. Writes go through one
// processing loop; reads are concurrent.
package catalog

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"callboard"
	"callboard/descriptor"
	"callboard/index"
)

// Options configures a Service. The zero value of each field is usable.
type Options struct {
	// Locations are the static locations from catalog.locations.
	Locations []StaticLocation
	// Rules are catalog.rules; nil means Backstage's default (Component,
	// API and Location from any location).
	Rules []Rule
	// Readonly refuses location writes, as catalog.readonly does.
	Readonly bool
	// OrphanStrategy is "delete" (default) or "keep".
	OrphanStrategy string
	// ProcessingInterval is how often every location is re-read in full;
	// 0 means 2 minutes.
	ProcessingInterval time.Duration
	// WatchInterval is how often file locations are checked for changes;
	// 0 means 1 s.
	WatchInterval time.Duration
	// Reader reads targets; nil reads local files only.
	Reader *Reader
	// Logger receives processing events; nil discards them.
	Logger *slog.Logger
	// Workers is the number of parallel readers/parsers; 0 means 4.
	Workers int
	// Analyzers find descriptors of repository URLs and suggest entities
	// for repositories without one (analyze-location).
	Analyzers []RepoAnalyzer
	// Limits bound each document: placeholders, and bytes once aliases
	// and placeholders are resolved (catalog.limits); zero fields mean
	// descriptor's defaults.
	Limits descriptor.Limits
	// MaxStaticFileBytes bounds a file read for a catalog.locations entry
	// (catalog.limits.maxFileBytes); Limits.MaxFileBytes bounds the files
	// of registered locations. 0 means
	// descriptor.DefaultMaxTrustedFileBytes.
	MaxStaticFileBytes int64
	// IngestMemoryLimit, when positive, is the Go memory limit
	// (debug.SetMemoryLimit) while the first pass over an empty catalog
	// runs (catalog.ingestMemoryLimit). 0, the default, makes the limit
	// follow the live heap during that pass (half of it over it, at least 256 MiB;
	// memlimit.go). A fixed limit below the ingest's live heap makes the
	// collector run nearly without pause.
	IngestMemoryLimit int64
	// MemoryLimit is the Go memory limit once the first pass is done
	// (catalog.memoryLimit): 0, the default, keeps following the live
	// heap (half of it over it, at least 256 MiB), a positive value is a fixed limit, and a
	// negative one restores the limit in force before (GOMEMLIMIT or
	// none). An operator's GOMEMLIMIT caps the first two.
	MemoryLimit int64
	// ObserveRead, when set, is told of every file a location's processing
	// read (unchanged files are not read): the location it belongs to
	// ("type:target" of the registered or configured location), how long
	// reading and processing took, and whether it failed (unreadable,
	// syntax problems, rejected entities). Metrics use it.
	ObserveRead func(location string, took time.Duration, failed bool)
	// Claim, when set, decides whether this replica runs a processing
	// pass (full: every location re-read; otherwise changed files only):
	// replicas sharing a database grant it to one of them (a lease), so
	// that each location is read by one replica per interval. Nil runs
	// every pass.
	Claim func(ctx context.Context, full bool) bool
	// CatchUp, when set, runs before each pass this replica runs: it
	// applies what the other replicas wrote (replica.Follower.CatchUp),
	// so that the pass starts from the stored catalog.
	CatchUp func(ctx context.Context) error
	// Changed, when set, is told the canonical refs of the entities each
	// write put or deleted, once the store and index have them (the
	// search index follows it). It must not block.
	Changed func(refs []string)
	// ObserveFile, when set, is told of every file read without failing,
	// by the managed-by-location of the entities it holds: data quality
	// dates each entity's last refresh from its source with it.
	ObserveFile func(file string)
	// Snapshots, when set, keeps a snapshot of the graph and index that
	// Load starts from instead of decoding every entity (snapshot.go).
	// Run saves one after its first pass and every SnapshotInterval when
	// something changed.
	Snapshots SnapshotStore
	// SnapshotInterval is how often Run saves a snapshot if the catalog
	// changed; 0 means 10 minutes.
	SnapshotInterval time.Duration
}

// StaticLocation is an entry of catalog.locations.
type StaticLocation struct {
	Type   string
	Target string
	Rules  []Rule
}

// Rule allows kinds, optionally only from matching locations.
type Rule struct {
	Allow     []string
	Locations []RuleLocation
}

// RuleLocation matches a location by type and exact target or glob pattern.
type RuleLocation struct {
	Type    string
	Exact   string
	Pattern string
}

// Service is the catalog. Build it with New, start processing with Run.
type Service struct {
	store callboard.EntityStore
	idx   *index.Index
	opts  Options
	log   *slog.Logger

	runMu sync.Mutex // one writer: processing runs and mutations
	// stale are refs a failed store write left changed in the graph only
	// (flush); resync re-reads them.
	staleMu sync.Mutex
	stale   map[string]bool
	mu      sync.RWMutex // guards g
	g       *graph
	// files is the last seen state of each file read, "type:target" ->
	// state; its own mutex, so that readers never wait for a batch
	// being applied.
	filesMu sync.Mutex
	files   map[string]fileState
	// fileErrs are the problems each file of a Location had when last
	// read: Location id -> "type:target" -> items.
	fileErrs map[int32]map[string][]callboard.StatusItem
	// provRoots are the Location roots each entity provider owns:
	// provider name -> root ref -> location.
	provRoots map[string]map[string]callboard.Location

	snapSeq  int64         // change-log seq of the last snapshot saved or loaded; guarded by runMu
	loaded   bool          // Load ran; it must not run twice
	loadedCh chan struct{} // closed when Load is done
	refresh  chan string   // refs to refresh soon
	ready    chan struct{}
	readyMu  sync.Once
}

// fileState is what the watcher compares to notice a changed file.
type fileState struct {
	modTime time.Time
	size    int64
}

// New returns a catalog over store. Call Load (or Run) before querying.
func New(store callboard.EntityStore, opts Options) *Service {
	if opts.OrphanStrategy == "" {
		opts.OrphanStrategy = "delete"
	}
	if opts.ProcessingInterval <= 0 {
		opts.ProcessingInterval = 2 * time.Minute
	}
	if opts.WatchInterval <= 0 {
		opts.WatchInterval = time.Second
	}
	if opts.Reader == nil {
		opts.Reader = &Reader{}
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.SnapshotInterval <= 0 {
		opts.SnapshotInterval = 10 * time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store: store, idx: index.New(), opts: opts, log: log,
		g: newGraph(), files: map[string]fileState{}, fileErrs: map[int32]map[string][]callboard.StatusItem{}, provRoots: map[string]map[string]callboard.Location{},
		stale: map[string]bool{}, snapSeq: -1,
		refresh: make(chan string, 256), ready: make(chan struct{}), loadedCh: make(chan struct{}),
	}
}

// Ready is closed when the first full processing of every location is done.
func (s *Service) Ready() <-chan struct{} { return s.ready }

// Run loads the stored catalog, processes every location, and then keeps
// the catalog fresh until ctx ends: file locations are checked every
// WatchInterval, everything is re-read every ProcessingInterval, and
// refresh requests are handled as they come.
func (s *Service) Run(ctx context.Context) error {
	if err := s.Load(ctx); err != nil {
		return err
	}
	s.pass(ctx, true)
	s.readyMu.Do(func() { close(s.ready) })
	// Not when Run ends: a save takes seconds, tens of them at a million
	// entities, which a shutdown does not have. Load applies the changes
	// made since the last one.
	s.saveSnapshot(ctx)
	snap := time.NewTicker(s.opts.SnapshotInterval)
	defer snap.Stop()
	watch := time.NewTimer(s.opts.WatchInterval)
	defer watch.Stop()
	// A timer, reset after each full pass, rather than a ticker: a pass
	// longer than the interval must not be followed at once by another.
	full := time.NewTimer(s.opts.ProcessingInterval)
	defer full.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-watch.C:
			// Checking tens of thousands of files takes a while: never
			// spend more than a tenth of the time on it.
			start := time.Now()
			s.pass(ctx, false)
			watch.Reset(max(s.opts.WatchInterval, 10*time.Since(start)))
		case <-full.C:
			s.pass(ctx, true)
			full.Reset(s.opts.ProcessingInterval)
		case ref := <-s.refresh:
			s.refreshRef(ctx, ref)
		case <-snap.C:
			s.saveSnapshot(ctx)
		}
	}
}

// pass runs a processing pass, if this replica may (Options.Claim).
func (s *Service) pass(ctx context.Context, full bool) {
	if s.opts.Claim != nil && !s.opts.Claim(ctx, full) {
		return
	}
	if full && s.opts.Claim != nil {
		s.log.Info("catalog: processing every location on this replica")
	}
	if s.opts.CatchUp != nil {
		if err := s.opts.CatchUp(ctx); err != nil {
			s.log.Warn("catalog: processing pass skipped: cannot apply the other replicas' changes", "err", err)
			return
		}
	}
	_ = s.ProcessAll(ctx, full) // failures are logged and recorded on the Locations
}

// Loaded is closed when the graph and index are built from the store.
// Until then lookups by name read the store directly and list queries wait.
func (s *Service) Loaded() <-chan struct{} { return s.loadedCh }

// waitLoaded blocks a list query until Load is done or ctx ends.
func (s *Service) waitLoaded(ctx context.Context) error {
	select {
	case <-s.loadedCh:
		return nil
	case <-ctx.Done():
		return callboard.Wrap(callboard.Upstream, ctx.Err(), "the catalog is still loading")
	}
}

// Load builds the in-memory graph and index from the store. Only the first
// call does anything. The server starts answering before it ends: see
// Loaded.
func (s *Service) Load(ctx context.Context) error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.loaded {
		return nil
	}
	s.loaded = true
	defer close(s.loadedCh)
	if s.loadSnapshot(ctx) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var batch []*callboard.Entity
	err := s.store.ScanEntities(ctx, func(se *callboard.StoredEntity) error {
		s.loadNode(se)
		batch = append(batch, se.Entity)
		if len(batch) == 1000 {
			s.idx.PutMany(batch)
			batch = batch[:0]
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.idx.PutMany(batch)
	for id, n := range s.g.nodes {
		s.idx.SetRelations(n.uid, s.g.relations(s.g.refs[id]))
	}
	return nil
}

// loadNode adds a stored entity to the graph and returns the sources
// whose relations its edges changed.
func (s *Service) loadNode(se *callboard.StoredEntity) []int32 {
	id := s.g.id(se.Ref)
	n := &node{id: id, uid: s.g.strs.Clone(se.UID), kind: lowerKind(se.Entity.Kind), locationKey: se.LocationKey,
		hash: se.Hash, orphan: se.Orphan, edges: s.g.compact(se.Edges)}
	var loc *locSpec
	var own, locErrs []callboard.StatusItem
	if st := se.Entity.Status; st != nil {
		for _, it := range st.Items {
			// A Location's items come from reading its targets; its own
			// descriptor problems would have kept it out of the store.
			if n.kind == "location" {
				locErrs = append(locErrs, it)
			} else {
				own = append(own, it)
			}
		}
	}
	for _, p := range se.Parents {
		n.parents = append(n.parents, s.g.id(p))
	}
	if n.kind == "location" {
		loc = locationOf(se.Entity)
	}
	n.setExtra(loc, own, locErrs)
	s.loadProviderNode(n, se.Entity)
	s.g.nodes[id] = n
	touched := s.g.setEdges(id, nil, n.edges)
	file := se.Entity.Annotation(callboard.AnnotationManagedByLocation)
	for _, p := range n.parents {
		s.g.addChild(p, file, id)
	}
	return touched
}
