package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"callboard/catalog"
	"callboard/config"
	"callboard/demo"
	"callboard/store"
	"callboard/web"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runServe runs the portal until ctx ends.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
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
	// The catalog loads its index in the background (cat.Run): lookups by
	// name answer from the store at once, list queries wait for the index.
	cat := catalog.New(db, opts)
	webOpts, err := webOptions(cfg, *dev)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: web.NewServer(log, cat, webOpts), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", cfg.Backend.Listen.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another callboard running? set backend.listen.port)", cfg.Backend.Listen.Addr(), err)
	}
	fmt.Fprintf(stdout, "callboard %s listening on http://localhost:%d (database: %s)\n",
		versionString(), ln.Addr().(*net.TCPAddr).Port, cfg.Backend.Database.Driver())
	if webOpts.Dev {
		fmt.Fprintln(stdout, "dev mode: write endpoints need no token; do not expose this instance")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Add(2)
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

// catalogOptions maps the catalog section onto the catalog's options.
func catalogOptions(cfg *config.Config, log *slog.Logger) (catalog.Options, error) {
	var allow []struct {
		Host  string   `yaml:"host"`
		Paths []string `yaml:"paths"`
	}
	if err := cfg.Decode("backend.reading.allow", &allow); err != nil {
		return catalog.Options{}, err
	}
	reader := &catalog.Reader{AllowHosts: []string{"github.com", "raw.githubusercontent.com"}}
	for _, a := range allow {
		reader.AllowHosts = append(reader.AllowHosts, a.Host)
	}
	opts := catalog.Options{
		Readonly:           cfg.Catalog.Readonly,
		OrphanStrategy:     cfg.Catalog.OrphanStrategy,
		ProcessingInterval: time.Duration(cfg.Catalog.ProcessingInterval),
		Reader:             reader,
		Logger:             log,
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
	for _, a := range access {
		if a.Type == "static" && a.Options.Token != "" {
			opts.Tokens[a.Options.Token] = a.Options.Subject
		}
	}
	return opts, nil
}
