// Package plugin is the seam through which a feature adds to callboard from
// its own package: a config section, HTTP routes under /api/<id>/, entity
// tabs and overview cards, permissions, scheduled jobs and facts about
// entities; and, for an integration such as GitHub, entity providers,
// scaffolder actions, URL readers and credentials, repository analyzers
// and webhook handlers.
//
// A plugin is a value, not an init() registration: the built-in ones are
// listed in one table (app/plugins.go), and a team's own binary passes its
// plugins to app.Main (docs/plugins.md). The host
// mounts what Setup returns through its own wrappers, so sign-in, the
// permission policy, the audit log, CSRF checks, request IDs and
// Backstage's error body apply without the plugin doing anything; tabs and
// cards render concurrently, each bounded by a timeout, and a plugin that
// fails, hangs or panics shows as "<Title> is unavailable: <reason>" in its
// own panel. Package plugin/ui has the portal's building blocks for them.
//
// The package imports the root package and the standard library only.
package plugin

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"callboard"
)

// Plugin declares a plugin. Its fields are read before Setup runs: by
// `callboard serve` to decide whether to enable it, and by `callboard
// policy check/test`, which must know its permissions without a config.
type Plugin struct {
	// ID names the plugin: lower-case letters, digits and dashes, starting
	// with a letter. Its routes live under /api/<ID>/, its permissions are
	// named "<ID>.…", its jobs' leases "plugin:<ID>:<job>", and its facts
	// carry Source ID. The roots of the built-in API (catalog, techdocs,
	// scaffolder, auth, events, audit, facts) are taken.
	ID string
	// Title is the plugin's name as users see it: its panels say "<Title>
	// is unavailable: …" when it fails.
	Title string
	// ConfigKey is the app-config section the plugin reads, under the key
	// Backstage uses for the system ("kubernetes", "argocd", "grafana",
	// "pagerDuty"); a dotted path ("integrations.gitlab") is allowed.
	// `callboard serve` enables the plugin exactly when the section (or
	// one of ConfigKeys) is present. Empty, with no ConfigKeys, means the
	// plugin has no section and is always enabled (built-ins such as
	// Docs).
	ConfigKey string
	// ConfigKeys are further sections that enable the plugin, for a
	// system that Backstage configures in several places (GitHub:
	// integrations.github, catalog.providers.github and githubOrg): the
	// plugin is enabled when ConfigKey or one of them is present (see
	// Wanted). Setup reads them with env.ConfigAt.
	ConfigKeys []string
	// Always enables the plugin when none of its sections is present too,
	// for a plugin that then explains how to set it up (Kubernetes' tab
	// says how to connect a cluster); its Setup sees env.Configured()
	// false and decodes nothing.
	Always bool
	// Permissions are the permissions the plugin checks, each named
	// "<ID>.<noun>.<verb>". Policies may name them whether or not the
	// plugin is enabled.
	Permissions []callboard.Permission
	// Setup builds the enabled plugin: it decodes its section with
	// env.Decode, checks it and makes its clients. An error (or a panic)
	// stops `callboard serve`, as a bad config does; return Invalid errors
	// from env.Decode as they are, they name the file and line.
	Setup func(ctx context.Context, env Env) (*Instance, error)
}

// Env is what the host gives a plugin's Setup.
type Env struct {
	// Config decodes the plugin's config section; plugins call Decode.
	// Nil means no section (plugins without ConfigKey).
	Config func(into any) error
	// Sections decodes another section of app-config.yaml, by its dotted
	// path, as Config does; plugins call ConfigAt. Nil means none.
	Sections func(path string, into any) error
	// Log is the portal's logger, with plugin=<ID> on every line.
	Log *slog.Logger
	// Catalog reads entities.
	Catalog Catalog
	// HTTPClient calls outside services; it has a timeout. Give each call
	// the request's context too, so a slow service stops when the panel's
	// time is up.
	HTTPClient *http.Client
	// WrapTransport, when set, wraps a transport the plugin's own SDK
	// builds (client-go's), so the host measures those calls under the
	// plugin's ID as it does HTTPClient's. Nil leaves it as it is.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// BaseURL is the portal's external URL (app.baseUrl), without a
	// trailing slash, for links back to it.
	BaseURL string
	// Entities is the catalog as entity providers feed it
	// (Instance.Providers): each provider's mutations replace what it
	// provided before.
	Entities callboard.ProviderSink
	// Leases, with Holder naming this process, let a provider's schedule
	// run on one replica at a time when replicas share the database. Nil
	// means one replica: no leases.
	Leases callboard.LeaseStore
	Holder string
	// Facts keeps what a plugin's jobs compute about entities in the
	// database, so every replica answers the same. Nil means none: keep
	// them in memory.
	Facts callboard.FactStore
	// AllFacts asks every enabled plugin's Facts about e (the function
	// Facts, with the portal's timeout), for a plugin that gathers them
	// (scorecards). Nil means none.
	AllFacts func(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, map[string]error)
	// Scorecards keeps scorecard results and their history. Nil means
	// none.
	Scorecards callboard.ScorecardStore
}

// Decode decodes the plugin's config section into into, a pointer to a
// struct with yaml tags, strictly: an unknown key or a wrong type is an
// Invalid error "file:line: key.path: message". Fields set in into before
// the call (defaults) stay where the section says nothing; with no
// section, into is left as it is.
func (env Env) Decode(into any) error {
	if env.Config == nil {
		return nil
	}
	return env.Config(into)
}

// Configured reports whether the plugin's section (ConfigKey) is present,
// for a plugin enabled Always.
func (env Env) Configured() bool { return env.Config != nil }

// ConfigAt decodes the app-config section at path (a dotted path:
// "catalog.providers.github", "events.modules.github") into into, as Decode
// does: one of the plugin's ConfigKeys, or a section its system shares
// with others. A missing section leaves into as it is.
func (env Env) ConfigAt(path string, into any) error {
	if env.Sections == nil {
		return nil
	}
	return env.Sections(path, into)
}

// Catalog is the part of the catalog a plugin reads. Lookups see what the
// caller of the request may read (catalog.entity.read) when ctx is a
// request's; jobs see everything.
type Catalog interface {
	// Entity returns the entity, NotFound when the catalog has none.
	Entity(ctx context.Context, ref callboard.EntityRef) (*callboard.Entity, error)
	// EntitiesWith returns the entities having one of the search keys
	// ("metadata.annotations.backstage.io/kubernetes-id"), for a job that
	// goes through the entities of its system.
	EntitiesWith(ctx context.Context, keys ...string) ([]*callboard.Entity, error)
}

// Instance is an enabled plugin: what Setup returns. Every field may be
// empty.
type Instance struct {
	Routes []Route
	Tabs   []Tab
	Cards  []Card
	Jobs   []Job
	// Pages are the plugin's pages at /<ID>..., inside the portal's frame.
	Pages []Page
	// Facts answers what the plugin knows about an entity, for
	// scorecards; the host fills in each fact's Entity, Source and (when
	// zero) At, and bounds the call like a card's render.
	Facts func(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, error)
	// CatalogFilters are filters the catalog page offers beside its
	// facets ("Drifted from git"); their Params are unique across plugins.
	CatalogFilters []CatalogFilter
	// Providers feed the catalog through Env.Entities; the host starts
	// each once the stored catalog is loaded.
	Providers []Provider
	// Actions are scaffolder actions templates may name; their IDs are
	// unique across the built-in actions and every plugin's.
	Actions []Action
	// URLReaders read the URLs of the plugin's system's hosts with its
	// credentials, for the catalog (url locations, $text placeholders).
	URLReaders []URLReader
	// GitCredentials gives git the username and password (a token) for a
	// host the plugin's system serves, to clone TechDocs sources; "" for
	// a host it has none for.
	GitCredentials func(host string) (username, password string)
	// Analyzers answer the catalog's analyze-location for repository URLs
	// of the plugin's code host.
	Analyzers []callboard.RepoAnalyzer
	// Events receive deliveries to Backstage's events endpoint,
	// POST /api/events/http/<Topic>; topics are unique across plugins.
	Events []EventHandler
	// Close releases what Setup acquired when the server stops; nil when
	// there is nothing to release.
	Close func() error
}

// Route is an HTTP route of a plugin, mounted at /api/<ID><Path>.
type Route struct {
	// Method is GET, POST, PUT, PATCH or DELETE. Routes other than GET
	// change state: they need a signed-in caller (or dev mode) and a
	// same-origin browser, and every call is recorded in the audit log.
	Method string
	// Path is the route below /api/<ID>, in http.ServeMux's pattern
	// syntax: "/objectives/{kind}/{namespace}/{name}".
	Path string
	// Permission is checked before the handler runs; it is one of the
	// plugin's Permissions or a built-in one. For a permission whose
	// resource type is callboard.ResourceEntity, Path must hold {kind},
	// {namespace} and {name}: the host loads that entity (NotFound when
	// the caller may not read it) and decides on it; the handler finds it
	// with RouteEntity. Empty means any caller may call the route.
	Permission string
	// Handler serves the route. A returned error is written once, with
	// the status of its kind, in Backstage's error body; an Internal
	// error's message is logged, not shown.
	Handler func(w http.ResponseWriter, r *http.Request) error
}

// Tab is a tab of the entity page, at /catalog/{ns}/{kind}/{name}/{ID}.
type Tab struct {
	// ID is the tab's path segment; it is unique among all tabs and is
	// not one of the built-in tabs (relations, apis, definition).
	ID string
	// Title is the tab's label.
	Title string
	// Applies reports whether the tab shows for an entity (usually: it
	// carries the plugin's annotation). Nil means always.
	Applies func(*callboard.Entity) bool
	// Render returns the tab's body, made with package plugin/ui's blocks
	// (escaped: html/template's HTML type is trusted as it is). An error
	// shows in the panel; a Kind other than Internal shows its message.
	Render func(ctx context.Context, e *callboard.Entity) (template.HTML, error)
}

// Card is a card on the Overview tab of entity pages, after the built-in
// cards. Its fields mean what Tab's do; ID is unique within the plugin.
type Card struct {
	ID      string
	Title   string
	Applies func(*callboard.Entity) bool
	Render  func(ctx context.Context, e *callboard.Entity) (template.HTML, error)
	// Wide makes the card span the full width instead of half.
	Wide bool
}

// CatalogFilter is a filter of the catalog page: ticked, it narrows the
// listed entities to those Entities returns (/catalog?only=<Param>).
type CatalogFilter struct {
	// Param names the filter in the URL: lower-case letters, digits and
	// dashes.
	Param string
	// Label is the checkbox's text.
	Label string
	// Entities returns the refs of the entities the filter keeps; it is
	// bounded like a card's render. Refs the catalog does not know (or
	// the caller may not read) are left out.
	Entities func(ctx context.Context) ([]string, error)
	// Choices, when set, makes the filter a list to pick one value from
	// (/catalog?<Param>=<value>) instead of a checkbox ("Scorecard level":
	// gold, silver, ...); Entities reads the value with FilterValue.
	// Values must be unique.
	Choices func(ctx context.Context) ([]Choice, error)
}

// Choice is a value of a CatalogFilter with Choices.
type Choice struct {
	Value, Label string
}

// Job is work a plugin does on a schedule: refreshing a cache, pulling
// numbers for facts. Replicas sharing a database run each job on one of
// them at a time.
type Job struct {
	// Name is unique within the plugin: lower-case letters, digits and
	// dashes.
	Name string
	// Every is the time from one run's start to the next; the first run
	// starts when the server starts.
	Every time.Duration
	// Timeout bounds a run; zero means Every.
	Timeout time.Duration
	// Run does the work. An error is logged; the next run happens anyway.
	Run func(ctx context.Context) error
}

// Enabled is a plugin the host enabled: its declaration and what its
// Setup returned.
type Enabled struct {
	Plugin
	*Instance
}
