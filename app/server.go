package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"callboard"
	"callboard/catalog"
	"callboard/config"
	"callboard/integration/kubernetes"
	"callboard/metrics"
	"callboard/plugin"
	"callboard/quality"
	"callboard/scaffold"
	"callboard/search"
	"callboard/store"
	"callboard/techdocs/docsync"
	"callboard/web"
)

// server is what serve builds from the config: each feature's service,
// the web server, and the background work that goes with them (run).
type server struct {
	cfg     *config.Config
	log     *slog.Logger
	db      *store.DB
	cat     *catalog.Service
	docs    *docsync.Syncer
	runner  *scaffold.Runner
	search  *search.Service
	plugins *pluginSet
	repl    *replication
	quality *quality.Quality // data quality (app/quality.go)
	web     web.Options
	limits  web.Limits
	http    *http.Server
	// ops is backend.lifecycle and backend.metrics (ops.go); stopping is
	// set when the stop begins, and fails readiness.
	ops      opsConfig
	metrics  *metrics.Metrics
	stopping atomic.Bool
	// background is work that runs until the server stops: the policy
	// file watcher, the session sweeper.
	background []func(context.Context)
	cleanup    []func()
}

// newServer builds the portal: each feature reads its own config section
// (catalogOptions, auth, techdocs, the plugins, scaffold), in the order
// they depend on each other.
func newServer(ctx context.Context, cfg *config.Config, db *store.DB, dev bool, log *slog.Logger, extra []plugin.Plugin) (*server, error) {
	s := &server{cfg: cfg, log: log, db: db, plugins: newPluginSet(log, db), metrics: metrics.New()}
	if err := s.build(ctx, dev, extra); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *server) build(ctx context.Context, dev bool, extra []plugin.Plugin) error {
	opts, err := catalogOptions(s.cfg, s.log)
	if err != nil {
		return err
	}
	if s.ops, err = readOps(s.cfg); err != nil {
		return err
	}
	opts.ObserveRead = s.metrics.ObserveProcessing
	s.quality = s.newQuality()
	opts.ObserveFile = s.quality.ObserveFile
	// The catalog analyzes repositories with the plugins' analyzers; the
	// plugins are enabled below, before anything runs, since they read
	// and feed the catalog.
	opts.Analyzers = s.plugins.analyzers()
	// Replicas on one database: the change log's follower, and claims
	// that keep processing and docs builds on one replica at a time.
	if s.repl, err = newReplication(s.cfg, s.db, s.plugins.holder, s.log); err != nil {
		return err
	}
	s.repl.catalogOptions(&opts)
	// The search index follows the catalog's writes and the docs'
	// publishes (search.go); it is built once both exist.
	opts.Changed = func(refs []string) {
		if s.search != nil { // nil only while build runs, before the catalog writes
			s.search.EntitiesChanged(refs)
		}
	}
	// The catalog loads its index in the background (run): lookups by
	// name answer from the store at once, list queries wait for the index,
	// which a snapshot in the database makes quick to rebuild.
	opts.Snapshots = s.db
	s.cat = catalog.New(s.db, opts)
	if s.web, err = webOptions(s.cfg, dev); err != nil {
		return err
	}
	s.web.Stars = s.db
	watchPolicy, err := servePermissions(s.cfg, &s.web, s.db, s.log, plugin.Permissions(declaredPlugins(extra))...)
	if err != nil {
		return err
	}
	sweepSessions, err := serveAuth(s.cfg, &s.web, s.db, s.cat, s.log)
	if err != nil {
		return err
	}
	s.background = append(s.background, watchPolicy, sweepSessions)
	s.wireOps()
	if !s.web.Dev && s.web.Auth == nil && len(s.web.Tokens) == 0 && s.web.ExternalToken == nil {
		s.log.Warn("no sign-in (auth.providers) and no tokens (backend.auth.externalAccess): outside dev mode every request " +
			"but health checks and webhooks is refused (401); configure one, or run with --dev on this machine")
	}
	// TechDocs: the publisher, and the syncer that builds docs in the
	// background, cloning sources with the plugins' credentials.
	docs, cleanup, err := serveDocs(ctx, s.cfg, s.cat, opts.Reader, s.plugins.gitCredentials,
		func(ref callboard.EntityRef) {
			if s.search != nil {
				s.search.DocsChanged(ref)
			}
		}, s.log, s.metrics.ObserveDocsBuild, s.repl)
	if err != nil {
		return err
	}
	s.docs, s.cleanup = docs, append(s.cleanup, cleanup)
	s.search = search.New(search.Options{Store: s.db, Catalog: s.cat, Docs: searchDocs{docs}, Logger: s.log})
	s.web.Search = s.search
	s.web.Docs = docs
	if docs.Builder() == docsync.BuilderLocal {
		s.web.DocsSync = docs.Sync
	}
	// Plugins (plugins.go): the registration table's and the binary's own.
	creds, err := docsCredentials(s.cfg, s.plugins.gitCredentials)
	if err != nil {
		return err
	}
	repos := &kubernetes.Repos{AllowHost: opts.Reader.URLs.Allows, Credentials: creds}
	if err := s.plugins.setup(ctx, s.cfg, append(builtinPlugins(portal{docs: docs, repos: repos, readURL: urlReader(opts.Reader), idp: s.newIDP(), quality: s.quality}), extra...), s.cat); err != nil {
		return err
	}
	s.web.Plugins, s.web.PluginTimeout = s.plugins.enabled, s.plugins.timeout
	// The catalog reads the plugins' hosts with their readers (GitHub's,
	// with its token): its Reader is shared, and nothing has read yet.
	opts.Reader.URLs.Integrations = append(opts.Reader.URLs.Integrations, s.plugins.urlReaders()...)
	// The scaffolder, with the built-in actions and the plugins'.
	if s.web.Scaffolder, s.runner, err = newScaffolder(s.cfg, s.db, s.cat, opts.Reader, s.plugins.enabled, s.log, s.metrics); err != nil {
		return err
	}
	// The follower starts at the log's newest row before the catalog
	// loads, so the load includes everything up to it.
	s.repl.follow(s.cat, s.runner.Wake)
	if err := s.repl.follower.Start(ctx); err != nil {
		return err
	}
	follower := s.repl.follower
	s.metrics.RegisterLag(func() float64 { return follower.Lag().Seconds() })
	// Timeouts and a connection cap, so that slow clients cannot exhaust
	// the server (web.Limits).
	s.limits = serveLimits()
	s.http = s.limits.HTTPServer(web.NewServer(s.log, s.cat, s.web))
	return nil
}

// close releases what build acquired, in reverse.
func (s *server) close() {
	s.plugins.close()
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
}

// listen opens the port and says where the portal is.
func (s *server) listen(stdout io.Writer) (net.Listener, error) {
	addr, loopback := listenAddr(s.cfg.Backend.Listen, s.web.Dev)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another callboard running? set backend.listen.port)", addr, err)
	}
	fmt.Fprintf(stdout, "callboard %s listening on http://localhost:%d (database: %s)\n",
		versionString(), ln.Addr().(*net.TCPAddr).Port, s.cfg.Backend.Database.Driver())
	if s.web.Dev {
		fmt.Fprintln(stdout, "dev mode: write endpoints need no token; do not expose this instance")
	}
	if loopback {
		fmt.Fprintf(stdout, "dev mode: listening on %s only (this machine); set backend.listen.host (0.0.0.0 for every interface) to be reached from elsewhere\n", ln.Addr())
	}
	return s.limits.Listener(ln), nil
}

// run serves until ctx ends or a part fails. Every part runs in one
// errgroup, so each is waited for and the first to fail stops the
// others: the HTTP server, the catalog, the docs syncer, the scaffolder's
// workers, the plugins' jobs and entity providers, the policy watcher and
// the session sweeper. When ctx ends, readiness fails at once; after
// backend.lifecycle.serverShutdownDelay the listener closes, requests in
// flight get backend.lifecycle.shutdownTimeout to finish, the plugins'
// jobs and providers release their leases, and the scaffolder hands its
// running tasks back to the queue: they resume after their last completed
// step, on the next start or on another replica. If the parts have not
// returned shortly after the timeout, run returns an error without them.
func (s *server) run(ctx context.Context, ln net.Listener, stdout io.Writer) error {
	metricsLn, err := s.listenMetrics(stdout)
	if err != nil {
		return err
	}
	life, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	go s.stopLater(ctx, life, stop)
	timeout := time.Duration(s.ops.Lifecycle.ShutdownTimeout)
	g, gctx := errgroup.WithContext(life)
	g.Go(func() error { return serveHTTP(gctx, s.http, ln, timeout, s.log) })
	if metricsLn != nil {
		g.Go(func() error { return serveHTTP(gctx, s.metricsServer(), metricsLn, timeout, s.log) })
	}
	g.Go(func() error { return s.cat.Run(gctx) })
	g.Go(func() error { return s.runner.Run(gctx) })
	g.Go(func() error { return s.repl.run(gctx) })
	g.Go(func() error { return s.search.Run(gctx) })
	// Docs are synced once the catalog has read its locations; the
	// plugins' jobs and providers start once the stored catalog is loaded.
	g.Go(func() error { return after(gctx, s.cat.Ready(), s.docs.Run) })
	g.Go(func() error { return after(gctx, s.cat.Loaded(), s.plugins.runJobs) })
	g.Go(func() error { return after(gctx, s.cat.Loaded(), s.plugins.runProviders) })
	for _, work := range s.background {
		g.Go(func() error { work(gctx); return nil })
	}
	g.Go(func() error { s.reportProgress(gctx, stdout); return nil })
	err = waitStopped(gctx, g, timeout+shutdownGrace)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // a part noticed the stop before the others: a clean stop
	}
	return err
}

// waitStopped waits for g; once stopping (ctx done) it waits at most
// limit, then reports the parts still running.
func waitStopped(ctx context.Context, g *errgroup.Group, limit time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("stopping took longer than backend.lifecycle.shutdownTimeout: exiting with work still running " +
			"(a scaffolder task left processing is taken over once its heartbeat is stale; leases end at their expiry)")
	}
}

// serveHTTP serves on ln until ctx ends, then shuts the server down: no
// new connections, and the requests in flight get timeout to finish.
func serveHTTP(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration, log *slog.Logger) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	drain, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		log.Warn("requests still running after the shutdown timeout are cut", "timeout", timeout, "err", err)
		srv.Close()
	}
	<-served // http.ErrServerClosed, once Shutdown has begun
	return nil
}

// after runs f once ready is closed, unless ctx ends first.
func after(ctx context.Context, ready <-chan struct{}, f func(context.Context) error) error {
	select {
	case <-ready:
		return f(ctx)
	case <-ctx.Done():
		return nil
	}
}

// reportProgress says when the stored catalog is loaded and when its
// locations are read.
func (s *server) reportProgress(ctx context.Context, stdout io.Writer) {
	select {
	case <-s.cat.Loaded():
		fmt.Fprintf(stdout, "loaded %d stored entities; reading locations\n", s.cat.Len())
	case <-ctx.Done():
		return
	}
	select {
	case <-s.cat.Ready():
		fmt.Fprintf(stdout, "catalog ready: %d entities\n", s.cat.Len())
	case <-ctx.Done():
	}
}
