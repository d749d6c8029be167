package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/config"
	"callboard/store"
	"callboard/web"
)

// opsConfig is backend.lifecycle and backend.metrics: how serve stops,
// and where its metrics are served.
type opsConfig struct {
	Lifecycle struct {
		// ShutdownTimeout bounds the stop once it begins: requests in flight
		// get this long to finish, then their connections are cut.
		ShutdownTimeout config.Duration `yaml:"shutdownTimeout"`
		// ServerShutdownDelay is Backstage's key: after SIGTERM, readiness
		// fails for this long while requests are still served, so that load
		// balancers stop sending traffic before the listener closes.
		ServerShutdownDelay config.Duration `yaml:"serverShutdownDelay"`
		// StartupRequestPauseTimeout is Backstage's; callboard answers at
		// once (lookups read the store until the index is loaded).
		StartupRequestPauseTimeout config.Duration `yaml:"startupRequestPauseTimeout"`
	} `yaml:"lifecycle"`
	Metrics struct {
		Enabled *bool  `yaml:"enabled"` // default true
		Path    string `yaml:"path"`    // default /metrics
		// Listen, when set ("host:port"), serves the metrics on their own
		// listener, without authentication, and not on the main port.
		Listen string `yaml:"listen"`
	} `yaml:"metrics"`
}

// Defaults of backend.lifecycle.
const defaultShutdownTimeout = 10 * time.Second

// shutdownGrace is the time past the shutdown timeout that serve waits
// for its parts to return, once requests are cut.
const shutdownGrace = 2 * time.Second

// readOps decodes backend.lifecycle and backend.metrics.
func readOps(cfg *config.Config) (opsConfig, error) {
	var o opsConfig
	var errs []error
	for _, key := range []string{"lifecycle", "metrics"} {
		var into any = &o.Lifecycle
		if key == "metrics" {
			into = &o.Metrics
		}
		if err := cfg.Decode("backend."+key, into); err != nil {
			errs = append(errs, err)
		}
	}
	if o.Lifecycle.ShutdownTimeout < 0 {
		errs = append(errs, cfg.Errorf("backend.lifecycle.shutdownTimeout", "must not be negative"))
	}
	if o.Lifecycle.ShutdownTimeout == 0 {
		o.Lifecycle.ShutdownTimeout = config.Duration(defaultShutdownTimeout)
	}
	if o.Lifecycle.ServerShutdownDelay < 0 {
		errs = append(errs, cfg.Errorf("backend.lifecycle.serverShutdownDelay", "must not be negative"))
	}
	if o.Metrics.Path == "" {
		o.Metrics.Path = "/metrics"
	}
	if p := o.Metrics.Path; !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " {}") || reservedPath(p) {
		errs = append(errs, cfg.Errorf("backend.metrics.path", "%q must be a path starting with / that no portal route uses (default /metrics)", p))
	}
	if l := o.Metrics.Listen; l != "" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			errs = append(errs, cfg.Errorf("backend.metrics.listen", "%q must be host:port, such as :9464 or 127.0.0.1:9464", l))
		}
	}
	return o, errors.Join(errs...)
}

// reservedPath reports whether p is a portal route's, which the metrics
// would shadow or clash with.
func reservedPath(p string) bool {
	for _, pre := range []string{"/api/", "/catalog", "/docs", "/create", "/static/", "/settings", "/signin", "/signout", "/search", "/apis", "/.backstage/"} {
		if p == strings.TrimSuffix(pre, "/") || strings.HasPrefix(p, pre) {
			return true
		}
	}
	return p == "/" || p == "/healthz" || p == "/readyz"
}

func (o opsConfig) metricsEnabled() bool { return o.Metrics.Enabled == nil || *o.Metrics.Enabled }

// wireOps connects the server to its metrics and gives the web server
// readiness checks, the stopping flag, and (unless they have their own
// listener) the metrics route.
func (s *server) wireOps() {
	m := s.metrics
	s.web.ReadyChecks = []web.ReadyCheck{
		{Name: "database", Check: s.db.Ping},
		{Name: "migrations", Check: s.db.Migrated},
	}
	s.web.Stopping = s.stopping.Load
	s.web.ObserveRequest = m.ObserveRequest
	if s.ops.metricsEnabled() && s.ops.Metrics.Listen == "" {
		s.web.Metrics, s.web.MetricsPath = m.Handler(), s.ops.Metrics.Path
	}
	m.CountEntities(entityCounts(s.cat))
	m.QueueDepth(queueDepth(s.db))
	s.plugins.transport = m.Transport
}

// entityCounts counts the catalog's entities by kind, once it is loaded.
func entityCounts(cat *catalog.Service) func() map[string]int {
	return func() map[string]int {
		select {
		case <-cat.Loaded():
		default:
			return nil
		}
		out := map[string]int{}
		for _, fc := range cat.Facets(context.Background(), []string{"kind"}, nil)["kind"] {
			out[fc.Value] += fc.Count
		}
		return out
	}
}

// queueDepth counts the scaffolder's open (queued) and processing tasks in
// the database, which every replica shares.
func queueDepth(db *store.DB) func(ctx context.Context) (map[string]int, error) {
	return func(ctx context.Context) (map[string]int, error) {
		out := map[string]int{}
		for _, st := range []callboard.TaskStatus{callboard.TaskOpen, callboard.TaskProcessing} {
			_, n, err := db.Tasks(ctx, callboard.TaskFilter{Status: []callboard.TaskStatus{st}, Limit: 1})
			if err != nil {
				return nil, err
			}
			out[string(st)] = n
		}
		return out, nil
	}
}

// listenMetrics opens backend.metrics.listen, when set, and says where.
func (s *server) listenMetrics(stdout io.Writer) (net.Listener, error) {
	if !s.ops.metricsEnabled() || s.ops.Metrics.Listen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", s.ops.Metrics.Listen)
	if err != nil {
		return nil, fmt.Errorf("backend.metrics.listen: %w", err)
	}
	fmt.Fprintf(stdout, "metrics on http://%s%s (no authentication: keep this port inside the cluster)\n", ln.Addr(), s.ops.Metrics.Path)
	return ln, nil
}

// metricsServer serves only the metrics, for backend.metrics.listen.
func (s *server) metricsServer() *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET "+s.ops.Metrics.Path, s.metrics.Handler())
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
}

// stopLater marks the server stopping when ctx ends, so that readiness
// fails, and calls stop once backend.lifecycle.serverShutdownDelay has
// passed; until then requests are served as before. It returns at once
// if life ends first (serve failed).
func (s *server) stopLater(ctx, life context.Context, stop context.CancelFunc) {
	select {
	case <-ctx.Done():
	case <-life.Done():
		return
	}
	s.stopping.Store(true)
	d := time.Duration(s.ops.Lifecycle.ServerShutdownDelay)
	s.log.Info("stopping: readiness fails now; the listener closes after serverShutdownDelay, then requests in flight get shutdownTimeout",
		"serverShutdownDelay", d, "shutdownTimeout", time.Duration(s.ops.Lifecycle.ShutdownTimeout))
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-life.Done():
		}
		t.Stop()
	}
	stop()
}

// serveLogger logs at LOG_LEVEL (debug, info, warn, error) as Backstage's
// backend reads it; debug shows, for example, provider runs skipped for
// another replica. LOG_FORMAT=json writes one JSON object per line (for
// log collectors), anything else or unset the text format.
func serveLogger(getenv func(string) string, stderr io.Writer) (*slog.Logger, error) {
	level := slog.LevelInfo
	if lvl := getenv("LOG_LEVEL"); lvl != "" {
		if err := level.UnmarshalText([]byte(lvl)); err != nil {
			return nil, fmt.Errorf("LOG_LEVEL: %w", err)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f := getenv("LOG_FORMAT"); f {
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	case "", "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	default:
		return nil, fmt.Errorf("LOG_FORMAT: %q is not json or text", f)
	}
}
