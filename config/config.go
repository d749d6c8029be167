// Package config loads Backstage-style app-config.yaml files.
//
// Load reads several files in order and deep-merges them (later files win;
// mappings merge key by key, lists and scalars replace), substitutes ${VAR}
// in string values, resolves the {$env}, {$file} and {$include} directives,
// then decodes the sections callboard itself owns (app, backend, catalog)
// strictly. Every other top-level section (kubernetes, integrations,
// techdocs, auth, ...) is kept in Config.Raw, listed in Config.Warnings, and
// decoded by the feature that owns it through Config.Decode.
//
// Errors name the file, the line when it is known, and the dotted key path,
// as in "app-config.production.yaml:12: backend.listen.port: ...". Load and
// Validate report every problem they find at once (errors.Join).
//
// The package reads no files and no environment itself: Load receives
// getenv and readFile, so only cmd/callboard touches the process.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the decoded configuration.
type Config struct {
	App     App
	Backend Backend
	Catalog Catalog
	// Demo is true when callboard should load its demo catalog: no files
	// were given (see Default).
	Demo bool
	// Raw is the whole merged tree with substitutions applied; features
	// decode their own section from it with Decode.
	Raw map[string]any
	// Warnings lists sections and keys that were kept but are not used by
	// callboard itself, sorted.
	Warnings []string

	pos    positions       // key path -> file:line of the value that won the merge
	failed map[string]bool // key paths that failed to decode
}

// App is the `app` section. Only title, baseUrl and lang are read; the
// other Backstage frontend keys are kept in Raw and listed in Warnings.
type App struct {
	Title   string `yaml:"title"`
	BaseURL string `yaml:"baseUrl"` // defaults to Backend.BaseURL
	// Lang is the portal's language, a BCP 47 tag (en, zh-CN) for
	// <html lang>: screen readers and font choice follow it. Empty means en.
	Lang string `yaml:"lang"`
}

// Backend is the `backend` section.
type Backend struct {
	BaseURL  string // no trailing slash
	Listen   Listen
	Database Database
}

// Listen is backend.listen: where the HTTP server listens. Backstage accepts
// a mapping {host, port} or a string ":7007" / "0.0.0.0:7007". As in
// Backstage, the port of backend.baseUrl does not change the listen port.
type Listen struct {
	Host string // empty means all interfaces
	Port int    // 0 picks a free port (tests)
}

// Addr returns the address for net.Listen, e.g. ":7007".
func (l Listen) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// Defaults used by Default and for keys a file leaves out.
const (
	DefaultPort               = 7007
	DefaultBaseURL            = "http://localhost:7007"
	DefaultTitle              = "callboard"
	DefaultSQLiteFile         = "./callboard.db"
	DefaultDatabaseName       = "callboard"
	DefaultOrphanStrategy     = "delete"
	DefaultProcessingInterval = Duration(2 * time.Minute)
	// Defaults of catalog.limits (descriptor.DefaultMaxPlaceholders and
	// DefaultMaxBytes; config does not import descriptor).
	DefaultMaxPlaceholdersPerEntity = 100
	DefaultMaxEntityBytes           = ByteSize(8 << 20)
	// A catalog.locations file may be a 100k-entity export of one kind;
	// URL- and API-registered files stay small (descriptor's defaults).
	DefaultMaxFileBytes           = ByteSize(64 << 20)
	DefaultMaxRegisteredFileBytes = ByteSize(4 << 20)
	DefaultMaxPlaceholderBytes    = ByteSize(4 << 20)
)

// Default returns the configuration `callboard serve` uses with no files:
// SQLite in ./callboard.db, port 7007, base URL http://localhost:7007 and
// the demo catalog.
func Default() *Config {
	return &Config{
		App: App{Title: DefaultTitle, BaseURL: DefaultBaseURL},
		Backend: Backend{
			BaseURL:  DefaultBaseURL,
			Listen:   Listen{Port: DefaultPort},
			Database: Database{Client: "better-sqlite3", Path: DefaultSQLiteFile},
		},
		Catalog: Catalog{
			OrphanStrategy:     DefaultOrphanStrategy,
			ProcessingInterval: DefaultProcessingInterval,
			Limits: CatalogLimits{
				MaxPlaceholdersPerEntity: DefaultMaxPlaceholdersPerEntity,
				MaxEntityBytes:           DefaultMaxEntityBytes,
				MaxFileBytes:             DefaultMaxFileBytes,
				MaxRegisteredFileBytes:   DefaultMaxRegisteredFileBytes,
				MaxPlaceholderBytes:      DefaultMaxPlaceholderBytes,
			},
		},
		Demo: true,
		Raw:  map[string]any{},
		pos:  positions{},
	}
}

// Load reads the files in order, deep-merges them (later wins; maps merge
// recursively, lists and scalars replace), substitutes ${VAR} in string
// values from getenv, resolves {$env: NAME}, {$file: path} and
// {$include: path[#dot.path]} values (paths relative to the directory of the
// file that holds them), then decodes and validates the known sections.
// readFile is os.ReadFile in production. With no paths, Load returns
// Default().
//
// A missing or empty variable is an error, reported only if its value
// survives the merge (a later file may override it); all missing variables
// are reported together.
func Load(paths []string, getenv func(string) string, readFile func(string) ([]byte, error)) (*Config, error) {
	c := Default()
	if len(paths) == 0 {
		return c, nil
	}
	c.Demo = false
	tree := map[string]any{}
	var errs []error
	for _, file := range paths {
		data, err := readFile(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("read config: %w", err))
			continue
		}
		ps := positions{}
		v, err := parse(file, data, "", ps)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if v == nil {
			continue // an empty file
		}
		if _, ok := v.(map[string]any); !ok {
			errs = append(errs, fmt.Errorf("%s: the top level must be a mapping of sections", file))
			continue
		}
		r := &resolver{getenv: getenv, readFile: readFile, pos: ps}
		v, err = r.resolve(v, "", file)
		if err != nil {
			errs = append(errs, err)
		}
		switch x := v.(type) {
		case *pending: // a top-level $include that failed
			errs = append(errs, x.errs...)
			continue
		case map[string]any:
		default:
			if err == nil {
				errs = append(errs, fmt.Errorf("%s: the top level must be a mapping of sections", file))
			}
			continue
		}
		tree = merge(tree, v).(map[string]any)
		for k, p := range ps {
			c.pos[k] = p
		}
	}
	errs = append(errs, takePending(tree, "")...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.Raw = tree
	if err := c.decodeKnown(); err != nil {
		return nil, err
	}
	return c, nil
}

// Backstage keys in known sections that callboard accepts and ignores; each
// one present gives a warning. Keys not listed here and not decoded are
// errors, so typos are caught.
var (
	unusedBackendKeys = []string{
		"actions", "auditor", "cache", "cors", "csp", "health", "https",
		"rateLimit", "trustProxy",
	}
	// Backend keys a feature decodes itself (cmd/callboard): auth
	// (externalAccess tokens), reading (allowed hosts), workingDirectory
	// (scaffolder workspaces), lifecycle (shutdown) and metrics.
	featureBackendKeys = []string{"auth", "reading", "workingDirectory", "lifecycle", "metrics"}
	unusedDatabaseKeys = []string{
		"ensureExists", "ensureSchemaExists", "knexConfig", "plugin",
		"pluginDivisionMode", "prefix", "role", "skipMigrations",
	}
	unusedCatalogKeys = []string{
		"disableRelationsCompatibility", "import", "orphanProviderStrategy",
		"processingIntervalSeconds", "processorOptions", "processors",
		"stitchingStrategy", "useUrlReadersSearch",
	}
	// Sections callboard decodes here; every other top-level key is kept
	// for a feature (plugin).
	knownSections = map[string]bool{"app": true, "backend": true, "catalog": true}
	// Sections a feature decodes itself, strictly, in cmd/callboard.
	featureSections = map[string]bool{"auth": true, "events": true, "integrations": true,
		"permission": true, "plugins": true, "replication": true, "scaffolder": true, "techdocs": true}
)

// decodeKnown decodes app, backend and catalog over the defaults, records
// warnings, then validates. It returns every problem at once.
func (c *Config) decodeKnown() error {
	var errs []error
	for k := range c.Raw {
		if !knownSections[k] && !featureSections[k] {
			c.Warnings = append(c.Warnings, k+unclaimed)
		}
	}

	if app, err := c.section("app", nil); err != nil {
		errs = append(errs, err)
	} else if app != nil {
		// Backstage's frontend keys (support, routes, extensions...) are
		// not ours to judge: read title, baseUrl and lang, keep the rest.
		for k := range app {
			if k != "title" && k != "baseUrl" && k != "lang" {
				c.Warnings = append(c.Warnings, "app."+k+": kept; not used by callboard")
				delete(app, k)
			}
		}
		errs = append(errs, decodeTree(app, "app", c.pos, &c.App))
	}

	if m, err := c.section("backend", unusedBackendKeys); err != nil {
		errs = append(errs, err)
	} else if m != nil {
		for _, k := range featureBackendKeys {
			delete(m, k)
		}
		var b struct {
			BaseURL  string   `yaml:"baseUrl"`
			Listen   Listen   `yaml:"listen"`
			Database database `yaml:"database"`
		}
		b.BaseURL, b.Listen = c.Backend.BaseURL, c.Backend.Listen
		if db, ok := m["database"].(map[string]any); ok {
			m["database"] = c.dropUnused(db, "backend.database", unusedDatabaseKeys)
		}
		errs = append(errs, decodeTree(m, "backend", c.pos, &b))
		c.Backend.BaseURL, c.Backend.Listen = b.BaseURL, b.Listen
		if m["database"] != nil {
			c.Backend.Database = b.Database.build()
		}
	}
	c.Backend.BaseURL = strings.TrimSuffix(c.Backend.BaseURL, "/")
	if !c.Has("app.baseUrl") {
		c.App.BaseURL = c.Backend.BaseURL
	}
	c.App.BaseURL = strings.TrimSuffix(c.App.BaseURL, "/")

	if m, err := c.section("catalog", unusedCatalogKeys); err != nil {
		errs = append(errs, err)
	} else if m != nil {
		delete(m, "providers") // decoded by the provider plugins themselves
		errs = append(errs, decodeTree(m, "catalog", c.pos, &c.Catalog))
		c.Catalog.RulesSet = m["rules"] != nil
	}
	sort.Strings(c.Warnings)
	// A value that failed to decode keeps its default; Validate skips it
	// (see problem) and reports everything else in the same go.
	c.failed = map[string]bool{}
	for _, p := range keyPaths(errors.Join(errs...)) {
		c.failed[p] = true
	}
	errs = append(errs, c.Validate())
	return errors.Join(errs...)
}

// section returns a shallow copy of the mapping at path (so keys can be
// dropped before strict decoding) without the keys in unused, which become
// warnings. It returns nil when the section is absent or null.
func (c *Config) section(path string, unused []string) (map[string]any, error) {
	v, _ := lookup(c.Raw, path)
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, c.problem(path, "must be a mapping, got %s", kindOf(v))
	}
	return c.dropUnused(m, path, unused), nil
}

func (c *Config) dropUnused(m map[string]any, path string, unused []string) map[string]any {
	cp := make(map[string]any, len(m))
	for k, v := range m {
		cp[k] = v
	}
	for _, k := range unused {
		if _, ok := cp[k]; ok {
			c.Warnings = append(c.Warnings, path+"."+k+": accepted for Backstage compatibility; not used by callboard")
			delete(cp, k)
		}
	}
	return cp
}

// langTag is the shape of a BCP 47 language tag: a primary language and
// optional subtags (script, region, variant).
var langTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// Validate checks the decoded values and returns every problem at once
// (errors.Join), or nil.
func (c *Config) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, c.problem(path, format, args...))
	}
	checkURL := func(path, s string) {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(path, "must be an absolute http or https URL, got %q", s)
		}
	}
	checkURL("app.baseUrl", c.App.BaseURL)
	checkURL("backend.baseUrl", c.Backend.BaseURL)
	if l := c.App.Lang; l != "" && !langTag.MatchString(l) {
		bad("app.lang", "must be a language tag such as en or zh-CN, got %q", l)
	}
	if p := c.Backend.Listen.Port; p < 0 || p > 65535 {
		bad("backend.listen.port", "must be between 0 and 65535, got %d", p)
	}
	errs = append(errs, c.Backend.Database.validate(c)...)
	errs = append(errs, c.Catalog.validate(c)...)
	return errors.Join(errs...)
}

// problem formats an error as "file:line: key.path: message", using the
// position of the nearest enclosing key whose position is known. It returns
// nil for a path inside one that already failed to decode: that value is a
// default, and the decoding error says what is wrong.
func (c *Config) problem(path, format string, args ...any) error {
	for p := path; p != ""; p = parentPath(p) {
		if c.failed[p] {
			return nil
		}
	}
	return newKeyError(c.pos, path, fmt.Sprintf(format, args...))
}

// Errorf returns an error naming the file and line of the value at the
// dotted path, or of its nearest enclosing key with a known position, for a
// feature's own checks of the section it decoded:
// "app-config.yaml:12: backend.reading.allow[0]: ...".
func (c *Config) Errorf(path, format string, args ...any) error {
	return newKeyError(c.pos, path, fmt.Sprintf(format, args...))
}

// Decode decodes the section at a dotted path ("kubernetes",
// "integrations.github", "catalog.providers.github") of Raw into into, a
// pointer to a struct with yaml tags. Decoding is strict: an unknown key or
// a wrong type is an error naming the key path and, when known, file:line.
// Strings that came from ${VAR} are read leniently, so "8080" fits an int
// field, as Backstage's config reader coerces. An absent section leaves into
// unchanged and returns nil; use Has to tell.
func (c *Config) Decode(path string, into any) error {
	v, ok := lookup(c.Raw, path)
	if !ok {
		return nil
	}
	return decodeTree(v, path, c.pos, into)
}

// Has reports whether the dotted path is present in Raw.
func (c *Config) Has(path string) bool {
	_, ok := lookup(c.Raw, path)
	return ok
}

// String returns the scalar at a dotted path (list items as "a.b[0]") as a
// string, or "" when it is absent, null, a mapping or a list.
func (c *Config) String(path string) string {
	v, _ := lookup(c.Raw, path)
	switch v := v.(type) {
	case nil, map[string]any, []any:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// UnmarshalYAML reads backend.listen in either Backstage form: a string
// "[host]:port" or a mapping {host, port}, with the port an integer or a
// string. Keys left out keep their current (default) values.
func (l *Listen) UnmarshalYAML(n *yaml.Node) error {
	var te typeErrors
	switch n.Kind {
	case yaml.ScalarNode:
		s := n.Value
		if !strings.Contains(s, ":") {
			s = ":" + s // "7007"
		}
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			te.value(n, "want \"[host]:port\" or {host, port}, got %q", n.Value)
			break
		}
		l.Host = host
		if port != "" {
			p, err := strconv.Atoi(port)
			if err != nil {
				te.value(n, "port must be a number, got %q", port)
				break
			}
			l.Port = p
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch k.Value {
			case "host":
				l.Host = v.Value
			case "port":
				p, err := strconv.Atoi(v.Value)
				if err != nil || v.Kind != yaml.ScalarNode {
					te.value(v, "must be a port number, got %s", describe(v))
					continue
				}
				l.Port = p
			default:
				te.key(k, "unknown key")
			}
		}
	default:
		te.coll(n, "want \"[host]:port\" or {host, port}, got %s", describe(n))
	}
	return te.err()
}

// Interface guards.
var (
	_ yaml.Unmarshaler = (*Listen)(nil)
	_ yaml.Unmarshaler = (*Duration)(nil)
	_ yaml.Unmarshaler = (*ByteSize)(nil)
	_ yaml.Unmarshaler = (*connection)(nil)
)
