// Package search is the portal's one search over the catalog's entities,
// their TechDocs pages (by section) and software templates, answering
// Backstage's GET /api/search/query. The index lives in the database
// (callboard.SearchStore: SQLite FTS5 or PostgreSQL full text); this
// package makes the documents, keeps the index in step with the catalog
// and the published docs, and turns matches into Backstage's result set
// with facets and highlights. A caller never finds a document of an
// entity the catalog would not show them.
package search

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"time"

	"callboard"
	"callboard/catalog"
)

// DocsSource reads published TechDocs sites.
type DocsSource interface {
	// Version names the published build of ref's docs (it changes with
	// every publish); NotFound when ref has no site.
	Version(ctx context.Context, ref callboard.EntityRef) (string, error)
	// Index opens the site's search/search_index.json; NotFound when
	// there is none.
	Index(ctx context.Context, ref callboard.EntityRef) (io.ReadCloser, error)
}

// Options configure a Service.
type Options struct {
	// Store keeps the index. Required.
	Store callboard.SearchStore
	// Catalog is read for documents and decides what each caller may
	// see. Required.
	Catalog *catalog.Service
	// Docs reads TechDocs sites; nil indexes no docs.
	Docs DocsSource
	// Logger receives indexing failures; nil discards them.
	Logger *slog.Logger
	// ReconcileInterval is how often the whole index is compared with
	// the catalog and the published docs, catching changes made by other
	// replicas and by CI publishing docs; zero means 10 minutes.
	ReconcileInterval time.Duration
}

// Service searches and keeps the index up to date. It is safe for
// concurrent use.
type Service struct {
	opts Options
	log  *slog.Logger
	// tag is the highlight marker: Backstage's engines use a random tag
	// that no document contains.
	tag string

	mu       sync.Mutex
	entities map[string]bool // refs waiting to be reindexed
	docs     map[string]bool // refs whose docs wait to be reindexed
	wake     chan struct{}
	work     sync.Mutex // one indexing pass at a time
	// written records, during Reconcile, the versions the queue wrote
	// meanwhile, so that Reconcile does not write them again; nil
	// otherwise. Guarded by work.
	written map[string]string
}

// New returns a Service; call Run to keep the index up to date.
func New(opts Options) *Service {
	if opts.ReconcileInterval <= 0 {
		opts.ReconcileInterval = 10 * time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Service{opts: opts, log: log, tag: "cb-" + hex.EncodeToString(b),
		entities: map[string]bool{}, docs: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// EntitiesChanged queues entities (canonical refs) written or deleted by
// the catalog for reindexing; catalog.Options.Changed. It never blocks.
func (s *Service) EntitiesChanged(refs []string) {
	s.mu.Lock()
	for _, r := range refs {
		s.entities[r] = true
	}
	s.mu.Unlock()
	s.kick()
}

// DocsChanged queues an entity whose docs were published for
// reindexing; docsync.Options.Published. It never blocks.
func (s *Service) DocsChanged(ref callboard.EntityRef) {
	s.mu.Lock()
	s.docs[ref.String()] = true
	s.mu.Unlock()
	s.kick()
}

func (s *Service) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run reconciles the index with the catalog once it is loaded, then
// applies queued changes as they come and reconciles every
// ReconcileInterval, until ctx ends. Failures are logged; it returns nil.
func (s *Service) Run(ctx context.Context) error {
	select {
	case <-s.opts.Catalog.Loaded():
	case <-ctx.Done():
		return nil
	}
	s.reconcileLogged(ctx)
	t := time.NewTicker(s.opts.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
			if err := s.Flush(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("search: index changes", "err", err)
			}
		case <-t.C:
			s.reconcileLogged(ctx)
		}
	}
}

func (s *Service) reconcileLogged(ctx context.Context) {
	start := time.Now()
	n, err := s.Reconcile(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("search: reconcile the index", "err", err)
		return
	}
	if n > 0 {
		s.log.Info("search: index reconciled", "reindexed", n, "duration", time.Since(start).Round(time.Millisecond))
	}
}
