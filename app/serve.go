package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
// ctx ends (SIGTERM); then it drains and hands work back (server.run).
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, extra ...plugin.Plugin) error {
	flags, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	log, err := serveLogger(getenv, stderr)
	if err != nil {
		return err
	}
	cfg, err := flags.loadConfig(getenv, extra, log)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Backend.Database.Driver(), cfg.Backend.Database.DSN())
	if err != nil {
		return fmt.Errorf("open database (%s): %w", cfg.Backend.Database.Driver(), err)
	}
	defer db.Close()
	s, err := newServer(ctx, cfg, db, flags.dev, log, extra)
	if err != nil {
		return err
	}
	defer s.close()
	ln, err := s.listen(stdout)
	if err != nil {
		return err
	}
	return s.run(ctx, ln, stdout)
}

// serveFlags are serve's command-line flags.
type serveFlags struct {
	configs   stringList
	dev, demo bool
	port      int
	portSet   bool
}

func parseServeFlags(args []string, stderr io.Writer) (serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&f.configs, "config", "an app-config.yaml file; repeat to merge several, later wins")
	fs.BoolVar(&f.dev, "dev", false, "allow writes without authentication (implied with no --config)")
	fs.IntVar(&f.port, "port", 0, "listen on this port, overriding backend.listen.port (0 picks a free one)")
	fs.BoolVar(&f.demo, "demo", false, "also load the demo catalog (implied with no --config; implies --dev)")
	if err := fs.Parse(args); err != nil {
		return f, errSilent
	}
	fs.Visit(func(fl *flag.Flag) { f.portSet = f.portSet || fl.Name == "port" })
	return f, nil
}

// loadConfig loads the --config files and applies the flags over them;
// the sections the binary's plugins read are not reported as unused.
func (f serveFlags) loadConfig(getenv func(string) string, extra []plugin.Plugin, log *slog.Logger) (*config.Config, error) {
	cfg, err := config.Load(f.configs, getenv, os.ReadFile)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	if f.portSet {
		cfg.Backend.Listen.Port = f.port
	}
	if cfg.Backend.Listen.Port < 0 || cfg.Backend.Listen.Port > 65535 {
		return nil, fmt.Errorf("--port must be between 0 and 65535, got %d", cfg.Backend.Listen.Port)
	}
	cfg.Demo = cfg.Demo || f.demo
	claimPluginSections(cfg, extra)
	for _, w := range cfg.Warnings {
		log.Debug("config: " + w)
	}
	return cfg, nil
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
	var allow []config.ReadingAllow
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
			MaxPlaceholders:     cfg.Catalog.Limits.MaxPlaceholdersPerEntity,
			MaxBytes:            int64(cfg.Catalog.Limits.MaxEntityBytes),
			MaxFileBytes:        int64(cfg.Catalog.Limits.MaxRegisteredFileBytes),
			MaxPlaceholderBytes: int64(cfg.Catalog.Limits.MaxPlaceholderBytes),
		},
		MaxStaticFileBytes: int64(cfg.Catalog.Limits.MaxFileBytes),
		IngestMemoryLimit:  int64(cfg.Catalog.IngestMemoryLimit),
		MemoryLimit:        int64(cfg.Catalog.MemoryLimit),
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

// webOptions reads backend.auth: static and legacy tokens for machines
// (auth.ReadExternalAccess), and Backstage's switch that turns off
// authentication.
func webOptions(cfg *config.Config, dev bool) (web.Options, error) {
	ea, err := auth.ReadExternalAccess(cfg)
	if err != nil {
		return web.Options{}, err
	}
	disabled := cfg.String("backend.auth.dangerouslyDisableDefaultAuthPolicy") == "true"
	return web.Options{Dev: dev || cfg.Demo || disabled, Tokens: ea.Tokens, ExternalToken: ea.Legacy, Lang: cfg.App.Lang}, nil
}

// serveDocs reads the techdocs section and builds the publisher and the
// docs syncer. Without techdocs.publisher, sites are published locally:
// in callboard-docs/ next to the SQLite file (so a restart serves them at
// once and rebuilds nothing), in a temp dir removed at exit when SQLite is
// in memory, and in ./callboard-docs with PostgreSQL. The returned func
// removes that temp dir. url: sources are cloned with the integrations'
// tokens: pluginCreds (GitHub's), then integrations.gitlab's. published
// is told each site the syncer publishes.
func serveDocs(ctx context.Context, cfg *config.Config, cat *catalog.Service, reader *catalog.Reader, pluginCreds func(host string) (string, string), published func(callboard.EntityRef), log *slog.Logger, observeBuild func(time.Duration, error), repl *replication) (*docsync.Syncer, func(), error) {
	tc, err := docsync.ReadConfig(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() {}
	pc := tc.Publish()
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
	creds, err := docsCredentials(cfg, pluginCreds)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	opts := docsync.Options{
		Builder:   tc.Builder,
		Interval:  tc.Interval(),
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
		Credentials:  creds,
		ObserveBuild: observeBuild,
		Sanitizer:    tc.Sanitizer.Sanitizer(),
	}
	repl.docsOptions(&opts)
	if logged := opts.Published; published != nil {
		opts.Published = func(ctx context.Context, ref callboard.EntityRef) {
			if logged != nil {
				logged(ctx, ref)
			}
			published(ref)
		}
	}
	syncer, err := docsync.New(opts)
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
