package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/auth"
	"callboard/catalog"
	"callboard/config"
	"callboard/demo"
	"callboard/descriptor"
	"callboard/index"
	"callboard/plugin"
	"callboard/store"
	"callboard/techdocs/docsync"
	"callboard/techdocs/publish"
	"callboard/urlread"
	"callboard/web"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runServe runs the portal, with the built-in plugins and extra, until
// ctx ends.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, extra ...plugin.Plugin) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var configs stringList
	fs.Var(&configs, "config", "an app-config.yaml file; repeat to merge several, later wins")
	dev := fs.Bool("dev", false, "allow writes without authentication (implied with no --config)")
	port := fs.Int("port", 0, "listen on this port, overriding backend.listen.port (0 picks a free one)")
	withDemo := fs.Bool("demo", false, "also load the demo catalog (implied with no --config; implies --dev)")
	if err := fs.Parse(args); err != nil {
		return errSilent
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// LOG_LEVEL (debug, info, warn, error) as Backstage's backend reads it;
	// debug shows, for example, provider runs skipped for another replica.
	if lvl := getenv("LOG_LEVEL"); lvl != "" {
		var level slog.Level
		if err := level.UnmarshalText([]byte(lvl)); err != nil {
			return fmt.Errorf("LOG_LEVEL: %w", err)
		}
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	}
	cfg, err := config.Load(configs, getenv, os.ReadFile)
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "port" {
			cfg.Backend.Listen.Port = *port
		}
	})
	if cfg.Backend.Listen.Port < 0 || cfg.Backend.Listen.Port > 65535 {
		return fmt.Errorf("--port must be between 0 and 65535, got %d", cfg.Backend.Listen.Port)
	}
	cfg.Demo = cfg.Demo || *withDemo
	claimPluginSections(cfg, extra)
	for _, w := range cfg.Warnings {
		log.Debug("config: " + w)
	}
	db, err := store.Open(ctx, cfg.Backend.Database.Driver(), cfg.Backend.Database.DSN())
	if err != nil {
		return fmt.Errorf("open database (%s): %w", cfg.Backend.Database.Driver(), err)
	}
	defer db.Close()
	opts, err := catalogOptions(cfg, log)
	if err != nil {
		return err
	}
	// GitHub: integrations.github clients read github URLs with their
	// credentials; catalog.providers.github/githubOrg feed the catalog.
	gh, err := setupGitHub(cfg, opts.Reader)
	if err != nil {
		return err
	}
	// analyze-location infers an entity for GitHub repositories without one.
	opts.Analyzers = onboardAnalyzers(gh.clients)
	// The catalog loads its index in the background (cat.Run): lookups by
	// name answer from the store at once, list queries wait for the index.
	cat := catalog.New(db, opts)
	webOpts, err := webOptions(cfg, *dev)
	if err != nil {
		return err
	}
	watchPolicy, err := servePermissions(cfg, &webOpts, db, log, plugin.Permissions(declaredPlugins(extra))...)
	if err != nil {
		return err
	}
	sweepSessions, err := serveAuth(cfg, &webOpts, db, cat, log)
	if err != nil {
		return err
	}
	if !webOpts.Dev && webOpts.Auth == nil && len(webOpts.Tokens) == 0 && webOpts.ExternalToken == nil {
		log.Warn("no sign-in (auth.providers) and no tokens (backend.auth.externalAccess): outside dev mode every request " +
			"but health checks and webhooks is refused (401); configure one, or run with --dev on this machine")
	}
	// Scheduled provider runs take a lease in the database: one replica
	// runs each provider per interval (webhook refreshes need none).
	gh.useLeases(db)
	if err := gh.addProviders(cfg, cat, log); err != nil {
		return err
	}
	if hooks := gh.webhooks(log); hooks != nil {
		webOpts.Events = hooks
	}
	// TechDocs: the publisher, and the syncer that builds docs in the
	// background (serveDocs below).
	syncer, cleanupDocs, err := serveDocs(ctx, cfg, cat, opts.Reader, log)
	if err != nil {
		return err
	}
	defer cleanupDocs()
	webOpts.Docs = syncer
	if syncer.Builder() == docsync.BuilderLocal {
		webOpts.DocsSync = syncer.Sync
	}
	// The scaffolder: its runner starts with the other goroutines below.
	scaffolder, runner, err := newScaffolder(cfg, db, cat, opts.Reader, gh.hosts(), log)
	if err != nil {
		return err
	}
	webOpts.Scaffolder = scaffolder
	// Plugins (plugins.go): the registration table's and the binary's own.
	plugins, err := setupPlugins(ctx, cfg, append(builtinPlugins(portal{docs: syncer, readURL: urlReader(opts.Reader)}), extra...), cat, log)
	if err != nil {
		return err
	}
	defer plugins.close()
	webOpts.Plugins, webOpts.PluginTimeout = plugins.enabled, plugins.timeout
	// Timeouts and a connection cap, so that slow clients cannot exhaust
	// the server (web.Limits).
	limits := serveLimits()
	srv := limits.HTTPServer(web.NewServer(log, cat, webOpts))
	addr, loopback := listenAddr(cfg.Backend.Listen, webOpts.Dev)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another callboard running? set backend.listen.port)", addr, err)
	}
	ln = limits.Listener(ln)
	fmt.Fprintf(stdout, "callboard %s listening on http://localhost:%d (database: %s)\n",
		versionString(), ln.Addr().(*net.TCPAddr).Port, cfg.Backend.Database.Driver())
	if webOpts.Dev {
		fmt.Fprintln(stdout, "dev mode: write endpoints need no token; do not expose this instance")
	}
	if loopback {
		fmt.Fprintf(stdout, "dev mode: listening on %s only (this machine); set backend.listen.host (0.0.0.0 for every interface) to be reached from elsewhere\n", ln.Addr())
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go watchPolicy(ctx)
	go sweepSessions(ctx)
	var wg sync.WaitGroup
	errc := make(chan error, 3)
	wg.Add(3)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
		cancel()
	}()
	go func() {
		defer wg.Done()
		if err := cat.Run(ctx); err != nil {
			errc <- err
		}
		cancel()
	}()
	go func() {
		defer wg.Done()
		// Docs are synced once the catalog has read its locations.
		select {
		case <-cat.Ready():
		case <-ctx.Done():
			return
		}
		if err := syncer.Run(ctx); err != nil {
			errc <- err
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := runner.Run(ctx); err != nil {
			select {
			case errc <- err:
			default:
			}
		}
		cancel()
	}()
	wg.Go(func() { plugins.runJobs(ctx, db, cat) })
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Providers start once the stored catalog is loaded.
		select {
		case <-cat.Loaded():
		case <-ctx.Done():
			return
		}
		gh.run(ctx)
	}()
	go func() {
		select {
		case <-cat.Loaded():
			fmt.Fprintf(stdout, "loaded %d stored entities; reading locations\n", cat.Len())
		case <-ctx.Done():
			return
		}
		select {
		case <-cat.Ready():
			fmt.Fprintf(stdout, "catalog ready: %d entities\n", cat.Len())
		case <-ctx.Done():
		}
	}()
	<-ctx.Done()
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	_ = srv.Shutdown(shutdown)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// listenAddr is where serve listens: backend.listen, except that in dev
// mode, where writes need no token, an unset host means loopback only
// (loopback true) rather than every interface.
func listenAddr(l config.Listen, dev bool) (addr string, loopback bool) {
	if dev && l.Host == "" {
		l.Host = "127.0.0.1"
		return l.Addr(), true
	}
	return l.Addr(), false
}

// serveLimits are web.DefaultLimits with the connection cap under half
// the open-file limit, so that the database, docs and task workspaces
// still get file descriptors when the cap is reached.
func serveLimits() web.Limits {
	l := web.DefaultLimits()
	if n := fdLimit(); n > 0 && n/2 < uint64(l.MaxConns) {
		l.MaxConns = int(max(n/2, 64))
	}
	return l
}

// catalogOptions maps the catalog section onto the catalog's options.
func catalogOptions(cfg *config.Config, log *slog.Logger) (catalog.Options, error) {
	var allow []struct {
		Host  string   `yaml:"host"`
		Paths []string `yaml:"paths"`
	}
	if err := cfg.Decode("backend.reading.allow", &allow); err != nil {
		return catalog.Options{}, err
	}
	// One URL reader for the catalog, the fetch actions and docs' host check.
	urls := &urlread.Reader{Allow: callboard.HostRules("github.com", "raw.githubusercontent.com")}
	reader := &catalog.Reader{URLs: urls}
	var errs []error
	for i, a := range allow {
		r := callboard.AllowRule{Host: a.Host, Paths: a.Paths}
		if err := r.Check(); err != nil {
			errs = append(errs, cfg.Errorf(fmt.Sprintf("backend.reading.allow[%d]", i), "%s", callboard.ErrorMessage(err)))
		}
		urls.Allow = append(urls.Allow, r)
	}
	if len(errs) > 0 {
		return catalog.Options{}, errors.Join(errs...)
	}
	opts := catalog.Options{
		Readonly:           cfg.Catalog.Readonly,
		OrphanStrategy:     cfg.Catalog.OrphanStrategy,
		ProcessingInterval: time.Duration(cfg.Catalog.ProcessingInterval),
		Reader:             reader,
		Logger:             log,
		Limits: descriptor.Limits{
			MaxPlaceholders: cfg.Catalog.Limits.MaxPlaceholdersPerEntity,
			MaxBytes:        int64(cfg.Catalog.Limits.MaxEntityBytes),
		},
	}
	if cfg.Catalog.RulesSet {
		opts.Rules = []catalog.Rule{}
		for _, r := range cfg.Catalog.Rules {
			opts.Rules = append(opts.Rules, catalogRule(r))
		}
	}
	for _, l := range cfg.Catalog.Locations {
		target := l.Target
		if l.Type == catalog.TypeFile && !filepath.IsAbs(target) {
			// Backstage resolves file targets against the backend's working directory.
			abs, err := filepath.Abs(target)
			if err != nil {
				return opts, err
			}
			target = abs
		}
		sl := catalog.StaticLocation{Type: l.Type, Target: target}
		for _, r := range l.Rules {
			sl.Rules = append(sl.Rules, catalogRule(r))
		}
		opts.Locations = append(opts.Locations, sl)
	}
	if cfg.Demo {
		reader.Embedded = demo.FS()
		opts.Locations = append(opts.Locations, catalog.StaticLocation{Type: catalog.TypeEmbedded, Target: "/catalog-info.yaml"})
		opts.Rules = []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}}
	}
	return opts, nil
}

func catalogRule(r config.Rule) catalog.Rule {
	out := catalog.Rule{Allow: r.Allow}
	for _, l := range r.Locations {
		out.Locations = append(out.Locations, catalog.RuleLocation{Type: l.Type, Exact: l.Exact, Pattern: l.Pattern})
	}
	return out
}

// webOptions reads backend.auth: static tokens for machines, and
// Backstage's switch that turns off authentication.
func webOptions(cfg *config.Config, dev bool) (web.Options, error) {
	var access []struct {
		Type    string `yaml:"type"`
		Options struct {
			Token   string `yaml:"token"`
			Subject string `yaml:"subject"`
			Secret  string `yaml:"secret"` // type legacy
			// Other keys of Backstage's access methods, kept but unused.
			Keys          any `yaml:"keys"`
			Audience      any `yaml:"audience"`
			Algorithms    any `yaml:"algorithms"`
			Issuer        any `yaml:"issuer"`
			URL           any `yaml:"url"`
			SubjectPrefix any `yaml:"subjectPrefix"`
		} `yaml:"options"`
		AccessRestrictions any `yaml:"accessRestrictions"`
	}
	if err := cfg.Decode("backend.auth.externalAccess", &access); err != nil {
		return web.Options{}, err
	}
	disabled := cfg.String("backend.auth.dangerouslyDisableDefaultAuthPolicy") == "true"
	opts := web.Options{Dev: dev || cfg.Demo || disabled, Tokens: map[string]string{}}
	var legacy []auth.LegacyKey
	for i, a := range access {
		if a.Type == "static" && a.Options.Token != "" {
			opts.Tokens[a.Options.Token] = a.Options.Subject
		}
		if a.Type == "legacy" {
			k, err := auth.NewLegacyKey(i, a.Options.Secret, a.Options.Subject)
			if err != nil {
				return web.Options{}, err
			}
			legacy = append(legacy, k)
		}
	}
	if len(legacy) > 0 {
		opts.ExternalToken = auth.LegacyVerifier(legacy, nil)
	}
	return opts, nil
}

// techdocsConfig is Backstage's techdocs section. callboard builds docs
// in-process, so the generator's settings are accepted and ignored.
type techdocsConfig struct {
	Builder   string           `yaml:"builder"` // local (default) | external
	Generator map[string]any   `yaml:"generator"`
	Publisher publisherSection `yaml:"publisher"`
	// SyncInterval is how often sources are checked for changes
	// (callboard's key; default 1m).
	SyncInterval                       config.Duration `yaml:"syncInterval"`
	LegacyUseCaseSensitiveTripletPaths bool            `yaml:"legacyUseCaseSensitiveTripletPaths"`
	// Keys of Backstage's techdocs plugins that callboard does not use.
	RequestURL any `yaml:"requestUrl"`
	StorageURL any `yaml:"storageUrl"`
	Cache      any `yaml:"cache"`
	Sanitizer  any `yaml:"sanitizer"`
}

// publisherSection is techdocs.publisher with the keys of Backstage's
// publishers that callboard accepts but does not use (accountId, the other
// storage types), so a Backstage config decodes strictly.
type publisherSection struct {
	Type  string              `yaml:"type"`
	Local publish.LocalConfig `yaml:"local"`
	AWSS3 struct {
		publish.S3Config `yaml:",inline"`
		AccountID        string `yaml:"accountId"`
		MaxAttempts      any    `yaml:"maxAttempts"`
	} `yaml:"awsS3"`
	GoogleGCS        any `yaml:"googleGcs"`
	AzureBlobStorage any `yaml:"azureBlobStorage"`
	OpenStackSwift   any `yaml:"openStackSwift"`
}

// serveDocs reads the techdocs section and builds the publisher and the
// docs syncer. Without techdocs.publisher, sites are published locally:
// in callboard-docs/ next to the SQLite file (so a restart serves them at
// once and rebuilds nothing), in a temp dir removed at exit when SQLite is
// in memory, and in ./callboard-docs with PostgreSQL. The returned func
// removes that temp dir.
func serveDocs(ctx context.Context, cfg *config.Config, cat *catalog.Service, reader *catalog.Reader, log *slog.Logger) (*docsync.Syncer, func(), error) {
	var tc techdocsConfig
	if err := cfg.Decode("techdocs", &tc); err != nil {
		return nil, nil, err
	}
	if runIn, ok := tc.Generator["runIn"]; ok {
		log.Warn("techdocs.generator.runIn is ignored: callboard builds docs in-process, without Docker or MkDocs", "runIn", runIn)
	}
	cleanup := func() {}
	pc := publish.Config{Type: tc.Publisher.Type, Local: tc.Publisher.Local, AWSS3: tc.Publisher.AWSS3.S3Config}
	pc.LegacyUseCaseSensitiveTripletPaths = tc.LegacyUseCaseSensitiveTripletPaths
	if (pc.Type == "" || pc.Type == "local") && pc.Local.PublishDirectory == "" {
		db := cfg.Backend.Database
		switch {
		case db.Driver() == "sqlite" && db.Path != ":memory:" && db.Path != "":
			pc.Local.PublishDirectory = filepath.Join(filepath.Dir(db.Path), "callboard-docs")
		case db.Driver() == "sqlite":
			dir, err := os.MkdirTemp("", "callboard-docs-")
			if err != nil {
				return nil, nil, err
			}
			pc.Local.PublishDirectory = dir
			cleanup = func() { os.RemoveAll(dir) }
		default:
			pc.Local.PublishDirectory = "callboard-docs"
		}
	}
	pub, err := publish.New(ctx, pc)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("techdocs.publisher: %w", err)
	}
	documented := index.Filter{{{Key: "metadata.annotations." + callboard.AnnotationTechDocsRef}}}
	// Private url: docs sources use the integrations' tokens.
	creds, err := docsCredentials(cfg)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	syncer, err := docsync.New(docsync.Options{
		Builder:   tc.Builder,
		Interval:  time.Duration(tc.SyncInterval),
		Publisher: pub,
		Logger:    log,
		Open:      docsOpener(reader),
		// url: docs sources are cloned only from hosts the URL reader allows.
		AllowHost: reader.URLs.Allows,
		Entity:    cat.Entity,
		Entities: func(ctx context.Context) ([]*callboard.Entity, error) {
			es, _, err := cat.Query(ctx, index.Query{Filter: documented})
			return es, err
		},
		Credentials: creds,
	})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return syncer, cleanup, nil
}

// docsOpener opens docs sources the catalog can read: local folders, and
// the embedded demo tree.
func docsOpener(reader *catalog.Reader) docsync.Opener {
	return func(ctx context.Context, src docsync.Source) (fs.FS, error) {
		switch src.Type {
		case catalog.TypeFile:
			dir := filepath.FromSlash(src.Dir)
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, callboard.Errorf(callboard.Invalid, "docs folder %s does not exist", src.Dir)
			}
			return os.DirFS(dir), nil
		case catalog.TypeEmbedded:
			if reader.Embedded == nil {
				return nil, callboard.Errorf(callboard.Invalid, "no embedded tree in this build")
			}
			return fs.Sub(reader.Embedded, strings.TrimPrefix(src.Dir, "/"))
		}
		return nil, callboard.Errorf(callboard.Invalid, "docs from %s locations are not supported yet", src.Type)
	}
}
