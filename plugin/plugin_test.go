package plugin_test

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/store/storetest"
)

// okSetup is a Setup that enables a plugin with nothing in it.
func okSetup(context.Context, plugin.Env) (*plugin.Instance, error) { return &plugin.Instance{}, nil }

func TestCheckRefusesBadDeclarations(t *testing.T) {
	good := plugin.Plugin{ID: "slo", Title: "SLOs", ConfigKey: "slo", Setup: okSetup,
		Permissions: []callboard.Permission{{Name: "slo.objective.read", ResourceType: callboard.ResourceEntity, Action: "read"}}}
	tests := []struct {
		name    string
		plugins []plugin.Plugin
		want    string // "" for no error
	}{
		{"good", []plugin.Plugin{good}, ""},
		{"bad ID", []plugin.Plugin{{ID: "SLO", Title: "x", Setup: okSetup}}, "lower-case letters"},
		{"reserved ID", []plugin.Plugin{{ID: "catalog", Title: "x", Setup: okSetup}}, "taken by the portal's own API"},
		{"duplicate ID", []plugin.Plugin{good, {ID: "slo", Title: "x", Setup: okSetup}}, "two plugins have this ID"},
		{"no title", []plugin.Plugin{{ID: "a", Setup: okSetup}}, "no Title"},
		{"no setup", []plugin.Plugin{{ID: "a", Title: "A"}}, "no Setup"},
		{"shared section", []plugin.Plugin{good, {ID: "b", Title: "B", ConfigKey: "slo", Setup: okSetup}}, `config section slo is plugin "slo"'s too`},
		{"a section another's ConfigKey", []plugin.Plugin{good, {ID: "b", Title: "B", ConfigKeys: []string{"slo"}, Setup: okSetup}}, `config section slo is plugin "slo"'s too`},
		{"permission of another plugin", []plugin.Plugin{{ID: "b", Title: "B", Setup: okSetup, Permissions: []callboard.Permission{{Name: "slo.x.read"}}}}, "must be named b.<noun>.<verb>"},
		{"a built-in permission", []plugin.Plugin{{ID: "catalog2", Title: "B", Setup: okSetup, Permissions: []callboard.Permission{{Name: callboard.PermEntityRead}}}}, "must be named"},
		{"twice", []plugin.Plugin{{ID: "b", Title: "B", Setup: okSetup, Permissions: []callboard.Permission{{Name: "b.x.read"}, {Name: "b.x.read"}}}}, "declared twice"},
		{"bad action", []plugin.Plugin{{ID: "b", Title: "B", Setup: okSetup, Permissions: []callboard.Permission{{Name: "b.x.read", Action: "peek"}}}}, `action "peek"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := plugin.Check(tc.plugins)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Check = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Check = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEnableChecksTheInstance(t *testing.T) {
	h := func(http.ResponseWriter, *http.Request) error { return nil }
	render := func(context.Context, *callboard.Entity) (template.HTML, error) { return "", nil }
	handle := func(context.Context, http.Header, []byte) error { return nil }
	page := func(context.Context, *http.Request) (plugin.Content, error) { return plugin.Content{}, nil }
	perms := []callboard.Permission{{Name: "slo.objective.read", ResourceType: callboard.ResourceEntity, Action: "read"}, {Name: "slo.budget.reset"}}
	tests := []struct {
		name string
		in   *plugin.Instance
		err  error
		want string
	}{
		{"good", &plugin.Instance{
			Routes: []plugin.Route{{Method: "GET", Path: "/objectives/{kind}/{namespace}/{name}", Permission: "slo.objective.read", Handler: h},
				{Method: "POST", Path: "/budgets/reset", Permission: "slo.budget.reset", Handler: h}},
			Tabs:      []plugin.Tab{{ID: "slo", Title: "SLOs", Render: render}},
			Cards:     []plugin.Card{{ID: "slo", Title: "SLOs", Render: render}},
			Jobs:      []plugin.Job{{Name: "pull", Every: time.Minute, Run: func(context.Context) error { return nil }}},
			Providers: []plugin.Provider{{Name: "slo-provider", Run: func(context.Context) error { return nil }}},
			Actions:   []plugin.Action{plugin.NewAction("slo:reset", "Resets a budget.", func(callboard.StepContext, struct{}) error { return nil })},
			Events:    []plugin.EventHandler{{Topic: "slo", Handle: handle}},
		}, nil, ""},
		{"nil instance", nil, nil, ""},
		{"setup error", nil, callboard.Errorf(callboard.Invalid, "app-config.yaml:3: slo.baseUrl: required"), "plugin slo: app-config.yaml:3: slo.baseUrl: required"},
		{"bad method", &plugin.Instance{Routes: []plugin.Route{{Method: "TRACE", Path: "/x", Handler: h}}}, nil, "method must be"},
		{"relative path", &plugin.Instance{Routes: []plugin.Route{{Method: "GET", Path: "x", Handler: h}}}, nil, "must start with /"},
		{"bad pattern", &plugin.Instance{Routes: []plugin.Route{{Method: "GET", Path: "/{a", Handler: h}}}, nil, "route GET /{a"},
		{"unknown permission", &plugin.Instance{Routes: []plugin.Route{{Method: "GET", Path: "/x", Permission: "slo.nope", Handler: h}}}, nil, `permission "slo.nope" is neither`},
		{"entity permission without entity path", &plugin.Instance{Routes: []plugin.Route{{Method: "GET", Path: "/x", Permission: "slo.objective.read", Handler: h}}}, nil, "needs {kind}, {namespace} and {name}"},
		{"no handler", &plugin.Instance{Routes: []plugin.Route{{Method: "GET", Path: "/x"}}}, nil, "has no handler"},
		{"tab without render", &plugin.Instance{Tabs: []plugin.Tab{{ID: "slo", Title: "SLOs"}}}, nil, `tab "slo" needs`},
		{"tab ID with slash", &plugin.Instance{Tabs: []plugin.Tab{{ID: "a/b", Title: "SLOs", Render: render}}}, nil, `tab "a/b" needs`},
		{"URL reader without host", &plugin.Instance{URLReaders: []plugin.URLReader{{Read: func(context.Context, *url.URL) ([]byte, bool, error) { return nil, false, nil }}}}, nil, `URL reader "" needs`},
		{"provider without Run", &plugin.Instance{Providers: []plugin.Provider{{Name: "p"}}}, nil, `provider "p" needs`},
		{"action not from NewAction", &plugin.Instance{Actions: []plugin.Action{{ID: "slo:x", Run: func(callboard.StepContext, any) error { return nil }}}}, nil, `action "slo:x" needs`},
		{"action input not a struct", &plugin.Instance{Actions: []plugin.Action{plugin.NewAction("slo:x", "", func(callboard.StepContext, string) error { return nil })}}, nil, `action "slo:x" needs`},
		{"action twice", &plugin.Instance{Actions: []plugin.Action{plugin.NewAction("slo:x", "", func(callboard.StepContext, struct{}) error { return nil }),
			plugin.NewAction("slo:x", "", func(callboard.StepContext, struct{}) error { return nil })}}, nil, `action "slo:x" needs a unique ID`},
		{"event topic with a slash", &plugin.Instance{Events: []plugin.EventHandler{{Topic: "a/b", Handle: handle}}}, nil, `event handler "a/b" needs`},
		{"event without Handle", &plugin.Instance{Events: []plugin.EventHandler{{Topic: "slo"}}}, nil, `event handler "slo" needs`},
		{"job without interval", &plugin.Instance{Jobs: []plugin.Job{{Name: "pull", Run: func(context.Context) error { return nil }}}}, nil, `job "pull" needs`},
		{"pages", &plugin.Instance{Pages: []plugin.Page{{Path: "", Nav: "SLOs", Render: page}, {Path: "/{id}", Render: page}}}, nil, ""},
		{"page without render", &plugin.Instance{Pages: []plugin.Page{{Path: ""}}}, nil, `page "" needs`},
		{"page twice", &plugin.Instance{Pages: []plugin.Page{{Path: "/x", Render: page}, {Path: "/x", Render: page}}}, nil, `page "/x" needs a unique Path`},
		{"page relative path", &plugin.Instance{Pages: []plugin.Page{{Path: "x", Render: page}}}, nil, "must be empty or start with /"},
		{"page in the sidebar below the root", &plugin.Instance{Pages: []plugin.Page{{Path: "/x", Nav: "X", Render: page}}}, nil, "only the plugin's root page"},
		{"page bad pattern", &plugin.Instance{Pages: []plugin.Page{{Path: "/{a", Render: page}}}, nil, `page "/{a"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := plugin.Plugin{ID: "slo", Title: "SLOs", Permissions: perms,
				Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) { return tc.in, tc.err }}
			en, err := plugin.Enable(t.Context(), p, plugin.Env{})
			switch {
			case tc.want == "" && (err != nil || en.Instance == nil):
				t.Errorf("Enable = %v, want an instance", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("setup error keeps its kind", func(t *testing.T) {
		p := plugin.Plugin{ID: "slo", Title: "SLOs", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
			return nil, callboard.Errorf(callboard.Invalid, "bad")
		}}
		if _, err := plugin.Enable(t.Context(), p, plugin.Env{}); callboard.ErrorKind(err) != callboard.Invalid {
			t.Errorf("kind = %v, want Invalid", callboard.ErrorKind(err))
		}
	})
	t.Run("setup panic", func(t *testing.T) {
		p := plugin.Plugin{ID: "slo", Title: "SLOs", Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) { panic("nil map") }}
		if _, err := plugin.Enable(t.Context(), p, plugin.Env{}); err == nil || !strings.Contains(err.Error(), "plugin slo: setup panicked: nil map") {
			t.Errorf("Enable = %v, want the panic named", err)
		}
	})
}

func TestCall(t *testing.T) {
	t.Run("answer", func(t *testing.T) {
		want := callboard.Errorf(callboard.NotFound, "no such objective")
		if err := plugin.Call(t.Context(), time.Minute, func(context.Context) error { return want }); err != want {
			t.Errorf("Call = %v, want %v", err, want)
		}
	})
	t.Run("a quick answer is never lost", func(t *testing.T) {
		for i := range 2000 {
			if err := plugin.Call(t.Context(), time.Minute, func(context.Context) error { return nil }); err != nil {
				t.Fatalf("call %d: %v, want nil", i, err)
			}
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		err := plugin.Call(t.Context(), 10*time.Millisecond, func(ctx context.Context) error {
			<-release // ignores ctx: Call must not wait for it
			return nil
		})
		if callboard.ErrorKind(err) != callboard.Upstream || callboard.ErrorMessage(err) != "no answer within 10ms" {
			t.Errorf("Call = %v (%v), want Upstream no answer within 10ms", err, callboard.ErrorKind(err))
		}
	})
	t.Run("giving up with the context's error is the timeout", func(t *testing.T) {
		// fn's answer and the deadline arrive together: whichever Call
		// sees first, the caller is told the time ran out.
		for i := range 200 {
			err := plugin.Call(t.Context(), time.Millisecond, func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			})
			if callboard.ErrorKind(err) != callboard.Upstream || callboard.ErrorMessage(err) != "no answer within 1ms" {
				t.Fatalf("call %d: %v (%v), want Upstream no answer within 1ms", i, err, callboard.ErrorKind(err))
			}
		}
	})
	t.Run("panic", func(t *testing.T) {
		err := plugin.Call(t.Context(), time.Minute, func(context.Context) error { panic("boom") })
		if callboard.ErrorKind(err) != callboard.Internal || !strings.Contains(errors.Unwrap(err).Error(), "boom") {
			t.Errorf("Call = %v, want Internal holding the panic", err)
		}
	})
}

func TestFacts(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "pay", Namespace: "default"}}
	enabled := func(id string, facts func(context.Context, *callboard.Entity) ([]callboard.Fact, error)) plugin.Enabled {
		return plugin.Enabled{Plugin: plugin.Plugin{ID: id, Title: id}, Instance: &plugin.Instance{Facts: facts}}
	}
	plugins := []plugin.Enabled{
		enabled("slo", func(context.Context, *callboard.Entity) ([]callboard.Fact, error) {
			return []callboard.Fact{{Key: "availability.met", Value: true, At: at}, {Key: "availability.objective", Value: 99.9}}, nil
		}),
		enabled("pager", func(context.Context, *callboard.Entity) ([]callboard.Fact, error) {
			return nil, callboard.Errorf(callboard.Upstream, "PagerDuty did not answer")
		}),
		enabled("odd", func(context.Context, *callboard.Entity) ([]callboard.Fact, error) {
			return []callboard.Fact{{Key: "x", Value: []string{"a"}}}, nil
		}),
		{Plugin: plugin.Plugin{ID: "none", Title: "none"}, Instance: &plugin.Instance{}},
	}
	facts, failed := plugin.Facts(t.Context(), plugins, e, time.Minute)
	if len(facts) != 2 || facts[0].Key != "availability.met" || facts[0].At != at || facts[1].At.IsZero() ||
		facts[0].Entity != "component:default/pay" || facts[1].Source != "slo" {
		t.Errorf("facts = %+v", facts)
	}
	if len(failed) != 2 || callboard.ErrorKind(failed["pager"]) != callboard.Upstream || callboard.ErrorKind(failed["odd"]) != callboard.Invalid {
		t.Errorf("failed = %v, want pager Upstream and odd Invalid", failed)
	}
}

// logSink records log messages, so a test can wait for one.
type logSink struct{ seen chan string }

func (s *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s *logSink) Handle(_ context.Context, r slog.Record) error {
	holder := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "holder" {
			holder = a.Value.String()
		}
		return true
	})
	s.seen <- holder + ": " + r.Message
	return nil
}
func (s *logSink) WithAttrs(as []slog.Attr) slog.Handler { return &attrSink{s, as} }
func (s *logSink) WithGroup(string) slog.Handler         { return s }

// attrSink is logSink with the attributes of Logger.With.
type attrSink struct {
	*logSink
	attrs []slog.Attr
}

func (s *attrSink) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(s.attrs...)
	return s.logSink.Handle(ctx, r)
}
func (s *attrSink) WithAttrs(as []slog.Attr) slog.Handler {
	return &attrSink{s.logSink, append(append([]slog.Attr(nil), s.attrs...), as...)}
}

func TestJobsRunOnOneReplicaThroughLeases(t *testing.T) {
	db := storetest.Open(t)
	var runs atomic.Int32
	ran := make(chan struct{}, 10)
	job := plugin.Enabled{Plugin: plugin.Plugin{ID: "slo", Title: "SLOs"}, Instance: &plugin.Instance{
		Jobs: []plugin.Job{{Name: "pull", Every: time.Hour, Run: func(context.Context) error {
			runs.Add(1)
			ran <- struct{}{}
			return nil
		}}},
	}}
	sink := &logSink{seen: make(chan string, 100)}
	ctxA, stopA := context.WithCancel(t.Context())
	doneA := make(chan struct{})
	go func() {
		plugin.RunJobs(ctxA, []plugin.Enabled{job}, db, "replica-a", slog.New(sink).With("holder", "replica-a"))
		close(doneA)
	}()
	<-ran // replica a holds the lease for an hour
	ctxB, stopB := context.WithCancel(t.Context())
	doneB := make(chan struct{})
	go func() {
		plugin.RunJobs(ctxB, []plugin.Enabled{job}, db, "replica-b", slog.New(sink).With("holder", "replica-b"))
		close(doneB)
	}()
	for msg := range sink.seen {
		if msg == "replica-b: job run skipped: another replica holds its lease" {
			break
		}
	}
	stopB()
	<-doneB
	if n := runs.Load(); n != 1 {
		t.Errorf("runs = %d, want 1: replica b ran while a held the lease", n)
	}
	holder, live, err := db.Lease(t.Context(), plugin.LeaseName("slo", "pull"))
	if err != nil || holder != "replica-a" || !live {
		t.Errorf("lease = %q live %v (%v), want replica-a's", holder, live, err)
	}
	stopA()
	<-doneA
	if _, _, err := db.Lease(t.Context(), plugin.LeaseName("slo", "pull")); callboard.ErrorKind(err) != callboard.NotFound {
		t.Errorf("after replica a stopped, its lease is still there (%v): another replica would wait for expiry", err)
	}
}
