// Package argocd is the Argo CD plugin: on the page of every entity with
// Roadie's annotations (argocd/app-name, argocd/app-selector,
// argocd/instance-name) a card with each application's sync status,
// health, revision and last sync, a tab with its deployment history, and
// the same as JSON at /api/argocd/applications/{kind}/{namespace}/{name}.
// It reads Argo CD's REST API (api/v1) with a token, or with a username
// and password it exchanges for a session token; its config is the argocd
// section of Roadie's backstage-plugin-argo-cd(-backend).
package argocd

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"callboard"
	"callboard/plugin"
)

// Roadie's annotations.
const (
	// AnnotationAppName names the entity's applications, comma-separated
	// (one per cluster or environment).
	AnnotationAppName = "argocd/app-name"
	// AnnotationAppSelector is a label selector for them, used when
	// there is no argocd/app-name.
	AnnotationAppSelector = "argocd/app-selector"
	// AnnotationInstanceName pins the lookup to one configured instance;
	// without it every instance is asked.
	AnnotationInstanceName = "argocd/instance-name"
)

// PermRead lets a caller read an entity's applications through the API.
const PermRead = "argocd.application.read"

// Defaults of the config's timeout and cacheTtl.
const (
	DefaultTimeout  = 10 * time.Second
	DefaultCacheTTL = 30 * time.Second
)

// Config is the argocd section of app-config.yaml, with Roadie's keys.
type Config struct {
	// BaseURL is Argo CD's address when there is one instance and no
	// appLocatorMethods; links to applications point at it.
	BaseURL string `yaml:"baseUrl"`
	// Username and Password are exchanged for a session token (POST
	// /api/v1/session) for every instance without credentials of its own.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// Token is an Argo CD API token; it wins over username and password.
	Token string `yaml:"token"`
	// WaitCycles is Roadie's wait for deletions; callboard only reads
	// Argo CD, so it is accepted and unused.
	WaitCycles int `yaml:"waitCycles"`
	// AppLocatorMethods lists the instances ({type: config, instances}).
	AppLocatorMethods []LocatorMethod `yaml:"appLocatorMethods"`
	// Timeout bounds each call to Argo CD ("10s" by default).
	Timeout string `yaml:"timeout"`
	// CacheTTL is how long answers are reused ("30s" by default; "0s"
	// turns the cache off).
	CacheTTL string `yaml:"cacheTtl"`
}

// LocatorMethod is an entry of appLocatorMethods; only type config exists.
type LocatorMethod struct {
	Type      string     `yaml:"type"`
	Instances []Instance `yaml:"instances"`
}

// Instance is an Argo CD server.
type Instance struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url"`
	Token    string `yaml:"token"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Plugin is the Argo CD card and tab. It is enabled when app-config.yaml
// has an argocd section.
func Plugin() plugin.Plugin {
	return plugin.Plugin{
		ID:          "argocd",
		Title:       "Argo CD",
		ConfigKey:   "argocd",
		Permissions: []callboard.Permission{{Name: PermRead, ResourceType: callboard.ResourceEntity, Action: "read"}},
		Setup:       setup,
	}
}

func setup(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
	var cfg Config
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	p, err := newPlugin(cfg, env)
	if err != nil {
		return nil, err
	}
	return &plugin.Instance{
		Cards: []plugin.Card{{ID: "argocd", Title: "Argo CD", Applies: applies, Render: p.card}},
		Tabs:  []plugin.Tab{{ID: "argocd", Title: "Argo CD", Applies: applies, Render: p.tab}},
		Routes: []plugin.Route{{Method: "GET", Path: "/applications/{kind}/{namespace}/{name}",
			Permission: PermRead, Handler: p.handleApplications}},
		Facts: p.facts,
	}, nil
}

// applies holds for entities with Roadie's app-name or app-selector.
func applies(e *callboard.Entity) bool {
	return strings.TrimSpace(e.Annotation(AnnotationAppName)) != "" || strings.TrimSpace(e.Annotation(AnnotationAppSelector)) != ""
}

// newPlugin checks the config and builds a client per instance.
func newPlugin(cfg Config, env plugin.Env) (*argoPlugin, error) {
	timeout, err := plugin.Duration("argocd.timeout", cfg.Timeout, DefaultTimeout)
	if err != nil {
		return nil, err
	}
	ttl, err := plugin.Duration("argocd.cacheTtl", cfg.CacheTTL, DefaultCacheTTL)
	if err != nil {
		return nil, err
	}
	var insts []Instance
	for i, m := range cfg.AppLocatorMethods {
		if m.Type != "config" {
			return nil, callboard.Errorf(callboard.Invalid, "argocd.appLocatorMethods[%d].type: %q is not supported; use config", i, m.Type)
		}
		for j, in := range m.Instances {
			in.Name = strings.TrimSpace(in.Name)
			if in.Name == "" {
				return nil, callboard.Errorf(callboard.Invalid, "argocd.appLocatorMethods[%d].instances[%d].name is missing", i, j)
			}
			insts = append(insts, in)
		}
	}
	if len(insts) == 0 {
		if cfg.BaseURL == "" {
			return nil, callboard.Errorf(callboard.Invalid, "argocd needs baseUrl or appLocatorMethods with instances")
		}
		// Messages name the one instance by its host.
		name := cfg.BaseURL
		if u, err := url.Parse(cfg.BaseURL); err == nil && u.Host != "" {
			name = u.Host
		}
		insts = []Instance{{Name: name, URL: cfg.BaseURL}}
	}
	p := &argoPlugin{byName: map[string]*client{}, single: len(cfg.AppLocatorMethods) == 0}
	for _, in := range insts {
		where := fmt.Sprintf("argocd.appLocatorMethods instance %s", in.Name)
		if len(cfg.AppLocatorMethods) == 0 {
			where = "argocd.baseUrl"
		}
		u, err := url.Parse(in.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return nil, callboard.Errorf(callboard.Invalid, "%s: url must be an http or https URL without credentials, got %q", where, redactURL(in.URL))
		}
		if p.byName[in.Name] != nil {
			return nil, callboard.Errorf(callboard.Invalid, "argocd.appLocatorMethods: instance name %q is used twice", in.Name)
		}
		// An instance's own credentials win over the section's.
		tok, user, pass := in.Token, in.Username, in.Password
		if tok == "" && user == "" {
			tok, user, pass = cfg.Token, cfg.Username, cfg.Password
		}
		if tok == "" && (user == "" || pass == "") {
			return nil, callboard.Errorf(callboard.Invalid, "%s: needs a token, or a username and password (for the instance or the argocd section)", where)
		}
		if tok != "" {
			user, pass = "", ""
		}
		c := &client{name: in.Name, base: strings.TrimSuffix(in.URL, "/"), http: env.HTTPClient,
			token: tok, username: user, password: pass, timeout: timeout, cache: newCache(ttl)}
		p.clients = append(p.clients, c)
		p.byName[in.Name] = c
	}
	return p, nil
}

// redactURL drops a URL's user info, for messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return s
}
