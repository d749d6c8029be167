package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callboard/config"
)

// env returns a getenv over a fixed map.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// memFiles returns a readFile over in-memory files.
func memFiles(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		s, ok := files[filepath.ToSlash(filepath.Clean(name))]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return []byte(s), nil
	}
}

// mustLoad loads in-memory files in order and fails the test on error.
func mustLoad(t *testing.T, vars map[string]string, files map[string]string, order ...string) *config.Config {
	t.Helper()
	c, err := config.Load(order, env(vars), memFiles(files))
	if err != nil {
		t.Fatalf("Load(%v): %v", order, err)
	}
	return c
}

// errLines splits a joined error into its lines, sorted.
func errLines(err error) []string {
	if err == nil {
		return nil
	}
	lines := strings.Split(err.Error(), "\n")
	sort.Strings(lines)
	return lines
}

func TestDefault(t *testing.T) {
	c := config.Default()
	if got, want := c.Backend.Listen.Addr(), ":7007"; got != want {
		t.Errorf("Listen.Addr() = %q, want %q", got, want)
	}
	if got, want := c.Backend.Database.Driver(), "sqlite"; got != want {
		t.Errorf("Database.Driver() = %q, want %q", got, want)
	}
	if got, want := c.Backend.Database.DSN(), "./callboard.db"; got != want {
		t.Errorf("Database.DSN() = %q, want %q", got, want)
	}
	if c.Backend.BaseURL != "http://localhost:7007" || c.App.BaseURL != "http://localhost:7007" {
		t.Errorf("base URLs = %q, %q, want http://localhost:7007", c.Backend.BaseURL, c.App.BaseURL)
	}
	if !c.Demo {
		t.Error("Demo = false, want true")
	}
	if c.Catalog.OrphanStrategy != "delete" || c.Catalog.ProcessingInterval != config.Duration(2*time.Minute) {
		t.Errorf("catalog defaults = %q, %v", c.Catalog.OrphanStrategy, c.Catalog.ProcessingInterval)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}

	loaded, err := config.Load(nil, env(nil), os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, loaded, cmp.AllowUnexported(config.Config{})); diff != "" {
		t.Errorf("Load(nil) differs from Default() (-want +got):\n%s", diff)
	}
	c = mustLoad(t, nil, map[string]string{"a.yaml": "app: {title: X}"}, "a.yaml")
	if c.Demo {
		t.Error("Demo = true with a config file, want false")
	}
}

func TestGoodFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.good.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.good.yaml: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := config.Load([]string{f}, env(nil), os.ReadFile); err != nil {
				t.Errorf("Load: %v", err)
			}
		})
	}
}

// expectedErrors lists, for every testdata/*.bad.yaml, every line of the
// error Load returns (sorted).
var expectedErrors = map[string][]string{
	"base-url.bad.yaml": {
		`testdata/base-url.bad.yaml:2: app.baseUrl: must be an absolute http or https URL, got "localhost:3000"`,
		`testdata/base-url.bad.yaml:4: backend.baseUrl: must be an absolute http or https URL, got "/portal"`,
	},
	"database-client.bad.yaml": {
		`testdata/database-client.bad.yaml:3: backend.database.client: unknown client "mysql2"; allowed: better-sqlite3, sqlite3, pg`,
	},
	"database-key.bad.yaml": {
		`testdata/database-key.bad.yaml:6: backend.database.connection.username: unknown key; want host, port, user, password, database, ssl, filename or directory`,
		`testdata/database-key.bad.yaml:7: backend.database.connection.ssl: want true, false or a mapping of TLS options, got "maybe"`,
	},
	"directive.bad.yaml": {
		`testdata/directive.bad.yaml:4: integrations.github[0].token: $env must be the only key of its mapping`,
	},
	"duplicate-key.bad.yaml": {
		`testdata/duplicate-key.bad.yaml:3: backend.baseUrl: duplicate key`,
	},
	"lang.bad.yaml": {
		`testdata/lang.bad.yaml:2: app.lang: must be a language tag such as en or zh-CN, got "zh_CN; drop"`,
	},
	"listen-port.bad.yaml": {
		`testdata/listen-port.bad.yaml:3: backend.listen.port: must be a port number, got "abc"`,
	},
	"location.bad.yaml": {
		`testdata/location.bad.yaml:3: catalog.locations[0].type: want url or file, got "github-discovery"`,
		`testdata/location.bad.yaml:5: catalog.locations[1].target: must not be empty`,
		`testdata/location.bad.yaml:6: catalog.locations[1].tagret: unknown key`,
	},
	"many.bad.yaml": {
		`testdata/many.bad.yaml:2: backend.listen.port: must be between 0 and 65535, got 70000`,
		`testdata/many.bad.yaml:4: backend.database.client: unknown client "sqlite"; allowed: better-sqlite3, sqlite3, pg`,
		"testdata/many.bad.yaml:6: catalog.readonly: cannot unmarshal string `sometimes` into bool",
		`testdata/many.bad.yaml:7: catalog.orphanStrategy: want keep or delete, got ""`,
	},
	"missing-env.bad.yaml": {
		`testdata/missing-env.bad.yaml: backend.database.connection.host: environment variable POSTGRES_HOST is not set`,
		`testdata/missing-env.bad.yaml: backend.database.connection.password: environment variable POSTGRES_PASSWORD is not set`,
		`testdata/missing-env.bad.yaml: integrations.github[0].token: environment variable GITHUB_TOKEN is not set`,
	},
	"limits.bad.yaml": {
		`testdata/limits.bad.yaml:3: catalog.limits.maxPlaceholdersPerEntity: must be at least 1, got 0`,
		`testdata/limits.bad.yaml:4: catalog.limits.maxEntityBytes: unknown size unit "MiBs" in "8MiBs"; use B, KiB, MiB, GiB, KB, MB or GB`,
		`testdata/limits.bad.yaml:5: catalog.limits.maxPlaceholders: unknown key`,
	},
	"memory-limit.bad.yaml": {
		`testdata/memory-limit.bad.yaml:2: catalog.memoryLimit: cannot read "sometimes" as a size; want bytes (8388608) or a number and a unit: "8MiB", "512KiB", "8MB"; or follow (the live heap and half of it) or off (Go's default)`,
	},
	"orphan-strategy.bad.yaml": {
		`testdata/orphan-strategy.bad.yaml:2: catalog.orphanStrategy: want keep or delete, got "remove"`,
	},
	"processing-interval.bad.yaml": {
		`testdata/processing-interval.bad.yaml:2: catalog.processingInterval: unknown duration unit "minute"; want years, months, weeks, days, hours, minutes, seconds or milliseconds`,
	},
	"rules.bad.yaml": {
		"testdata/rules.bad.yaml:3: catalog.rules[0].allow: cannot unmarshal string `Component` into []string",
	},
	"section-scalar.bad.yaml": {
		`testdata/section-scalar.bad.yaml:1: backend: must be a mapping, got a string`,
	},
	"syntax.bad.yaml": {
		`testdata/syntax.bad.yaml:3: mapping values are not allowed in this context`,
	},
	"top-level-list.bad.yaml": {
		`testdata/top-level-list.bad.yaml: the top level must be a mapping of sections`,
	},
	"wrong-shape.bad.yaml": {
		"testdata/wrong-shape.bad.yaml:2: backend.database: cannot unmarshal string `sqlite` into {client, connection}",
		"testdata/wrong-shape.bad.yaml:4: catalog.locations: cannot unmarshal string `catalog...` into a list of {type, target, rules}",
	},
	"unknown-key.bad.yaml": {
		`testdata/unknown-key.bad.yaml:3: backend.lisen: unknown key`,
	},
}

func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := expectedErrors[name]
			if !ok {
				t.Fatalf("no entry in expectedErrors for %s", name)
			}
			c, err := config.Load([]string{f}, env(nil), os.ReadFile)
			if err == nil {
				t.Fatalf("Load succeeded (%+v), want errors %q", c, want)
			}
			if c != nil {
				t.Errorf("Load returned a config with an error")
			}
			if diff := cmp.Diff(want, errLines(err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	for name := range expectedErrors {
		if !seen[name] {
			t.Errorf("expectedErrors has %s, which is not in testdata", name)
		}
	}
}

// backstageEnv is what the production pair in testdata/backstage needs.
var backstageEnv = map[string]string{
	"GITHUB_TOKEN":          "ghp_test",
	"GRAFANA_TOKEN":         "glsa_test",
	"POSTGRES_HOST":         "db.internal",
	"POSTGRES_PORT":         "5433",
	"POSTGRES_USER":         "backstage",
	"POSTGRES_PASSWORD":     "p@ss:w/rd?",
	"AUTH_GITHUB_CLIENT_ID": "Iv1.abc",
	"ARGOCD_TOKEN":          "argo-token",
	"K8S_PROD_SA_TOKEN":     "prod-token",
	"K8S_PROD_CA_DATA":      "prod-ca",
	"K8S_STAGING_SA_TOKEN":  "staging-token",
	"K8S_STAGING_CA_DATA":   "staging-ca",
}

var backstagePair = []string{
	"testdata/backstage/app-config.yaml",
	"testdata/backstage/app-config.production.yaml",
}

func TestBackstagePair(t *testing.T) {
	c, err := config.Load(backstagePair, env(backstageEnv), os.ReadFile)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if diff := cmp.Diff(config.App{Title: "Acme Developer Portal", BaseURL: "https://backstage.company.com"}, c.App); diff != "" {
		t.Errorf("App (-want +got):\n%s", diff)
	}
	wantBackend := config.Backend{
		BaseURL: "https://backstage.company.com",
		Listen:  config.Listen{Host: "0.0.0.0", Port: 7007},
		Database: config.Database{
			Client: "pg", Host: "db.internal", Port: 5433, User: "backstage",
			Password: "p@ss:w/rd?", Name: "backstage", SSLMode: "require",
		},
	}
	if diff := cmp.Diff(wantBackend, c.Backend); diff != "" {
		t.Errorf("Backend (-want +got):\n%s", diff)
	}
	if got, want := c.Backend.Database.DSN(), "postgres://backstage:p%40ss%3Aw%2Frd%3F@db.internal:5433/backstage?sslmode=require"; got != want {
		t.Errorf("DSN() = %q, want %q", got, want)
	}
	wantCatalog := config.Catalog{
		Locations: []config.Location{
			{Type: "url", Target: "https://github.com/my-github-org/software-templates/blob/main/all.yaml",
				Rules: []config.Rule{{Allow: []string{"Template"}}}},
			{Type: "file", Target: "/var/lib/backstage/org.yaml",
				Rules: []config.Rule{{Allow: []string{"User", "Group"}}}},
		},
		Rules:              []config.Rule{{Allow: []string{"Component", "System", "API", "Resource", "Location"}}},
		RulesSet:           true,
		Readonly:           true,
		OrphanStrategy:     "keep",
		ProcessingInterval: config.Duration(time.Hour),
		Limits:             config.CatalogLimits{MaxPlaceholdersPerEntity: 100, MaxEntityBytes: 8 << 20, MaxFileBytes: 64 << 20, MaxRegisteredFileBytes: 4 << 20, MaxPlaceholderBytes: 4 << 20},
	}
	if diff := cmp.Diff(wantCatalog, c.Catalog); diff != "" {
		t.Errorf("Catalog (-want +got):\n%s", diff)
	}
	if c.Demo {
		t.Error("Demo = true, want false")
	}
	wantWarnings := []string{
		"app.support: kept; not used by callboard",
		"argocd: kept for a plugin; not used yet",
		"backend.cors: accepted for Backstage compatibility; not used by callboard",
		"backend.csp: accepted for Backstage compatibility; not used by callboard",
		"catalog.import: accepted for Backstage compatibility; not used by callboard",
		"grafana: kept for a plugin; not used yet",
		"kubernetes: kept for a plugin; not used yet",
		"organization: kept for a plugin; not used yet",
		"proxy: kept for a plugin; not used yet",
	}
	if diff := cmp.Diff(wantWarnings, c.Warnings); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}

	// Raw: substitutions, $file, $env, $include#fragment, merge results.
	for path, want := range map[string]string{
		"integrations.github[0].token":                                    "ghp_test",
		"proxy.endpoints./grafana/api.target":                             "https://grafana.company.com/",
		"auth.environment":                                                "production",
		"auth.providers.github.production.clientId":                       "Iv1.abc",
		"auth.providers.github.production.clientSecret":                   "s3cr3t-from-file\n",
		"argocd.token":                                                    "argo-token",
		"argocd.waitCycles":                                               "25",
		"kubernetes.clusterLocatorMethods[0].type":                        "config",
		"kubernetes.clusterLocatorMethods[0].clusters[1].name":            "staging",
		"kubernetes.clusterLocatorMethods[0].clusters[0].caData":          "prod-ca",
		"kubernetes.clusterLocatorMethods[0].clusters[0].skipTLSVerify":   "false",
		"techdocs.builder":                                                "external",
		"techdocs.generator.runIn":                                        "local", // kept from the base file
		"techdocs.publisher.awsS3.accountId":                              "123456789012",
		"catalog.providers.github.myOrg.schedule.frequency.minutes":       "30",
		"app.support.items[0].links[0].title":                             "GitHub Issues",
		"kubernetes.clusterLocatorMethods[0].clusters[0].nonexistent.key": "",
	} {
		if got := c.String(path); got != want {
			t.Errorf("String(%q) = %q, want %q", path, got, want)
		}
	}
	grafana := c.Raw["proxy"].(map[string]any)["endpoints"].(map[string]any)["/grafana/api"].(map[string]any)
	if got, want := grafana["headers"].(map[string]any)["Authorization"], "Bearer glsa_test"; got != want {
		t.Errorf("proxy Authorization = %q, want %q", got, want)
	}

	// A plugin decodes its own section, with the shared duration type.
	type schedule struct {
		Frequency config.Duration `yaml:"frequency"`
		Timeout   config.Duration `yaml:"timeout"`
	}
	var providers map[string]struct {
		Organization string            `yaml:"organization"`
		CatalogPath  string            `yaml:"catalogPath"`
		Filters      map[string]any    `yaml:"filters"`
		Schedule     schedule          `yaml:"schedule"`
		Extra        map[string]string `yaml:"extra"`
	}
	if err := c.Decode("catalog.providers.github", &providers); err != nil {
		t.Fatalf("Decode(catalog.providers.github): %v", err)
	}
	if got, want := providers["myOrg"].Schedule, (schedule{config.Duration(30 * time.Minute), config.Duration(3 * time.Minute)}); got != want {
		t.Errorf("schedule = %+v, want %+v", got, want)
	}
}

func TestBackstagePairMissingEnv(t *testing.T) {
	vars := map[string]string{}
	for k, v := range backstageEnv {
		vars[k] = v
	}
	delete(vars, "POSTGRES_PASSWORD")
	delete(vars, "K8S_STAGING_CA_DATA")
	delete(vars, "ARGOCD_TOKEN")
	_, err := config.Load(backstagePair, env(vars), os.ReadFile)
	want := []string{
		"testdata/backstage/app-config.production.yaml: argocd.token: environment variable ARGOCD_TOKEN is not set",
		"testdata/backstage/app-config.production.yaml: backend.database.connection.password: environment variable POSTGRES_PASSWORD is not set",
		"testdata/backstage/config/clusters.yaml: kubernetes.clusterLocatorMethods[0].clusters[1].caData: environment variable K8S_STAGING_CA_DATA is not set",
	}
	if diff := cmp.Diff(want, errLines(err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestMergeOrder(t *testing.T) {
	files := map[string]string{
		"base.yaml": `
app: {title: Base, baseUrl: http://localhost:3000}
backend:
  baseUrl: http://localhost:7007
  listen: {port: 7007}
  database: {client: better-sqlite3, connection: ':memory:'}
catalog:
  locations:
    - {type: file, target: a.yaml}
    - {type: file, target: b.yaml}
  rules:
    - allow: [Component]
kubernetes:
  clusters: [{name: a}, {name: b}]
  serviceLocatorMethod: {type: multiTenant}
`,
		"local.yaml": `
app: {title: Local}
backend:
  listen: {host: 127.0.0.1}
catalog:
  locations:
    - {type: url, target: 'https://example.com/c.yaml'}
kubernetes:
  clusters: [{name: c}]
`,
		"prod.yaml": `
backend:
  database: {client: pg, connection: 'postgres://u@db/portal'}
catalog:
  rules: []
`,
	}
	c := mustLoad(t, nil, files, "base.yaml", "local.yaml", "prod.yaml")
	if got, want := c.App, (config.App{Title: "Local", BaseURL: "http://localhost:3000"}); got != want {
		t.Errorf("App = %+v, want %+v (maps merge key by key)", got, want)
	}
	if got, want := c.Backend.Listen, (config.Listen{Host: "127.0.0.1", Port: 7007}); got != want {
		t.Errorf("Listen = %+v, want %+v", got, want)
	}
	if got, want := c.Backend.Database.DSN(), "postgres://u@db/portal"; got != want {
		t.Errorf("DSN() = %q, want %q (scalars replace)", got, want)
	}
	if got, want := c.Catalog.Locations, []config.Location{{Type: "url", Target: "https://example.com/c.yaml"}}; !cmp.Equal(got, want) {
		t.Errorf("Locations = %+v, want %+v (lists replace)", got, want)
	}
	if !c.Catalog.RulesSet || len(c.Catalog.Rules) != 0 || len(c.Catalog.EffectiveRules()) != 0 {
		t.Errorf("Rules = %+v set=%v, want [] set (a later [] rejects all)", c.Catalog.Rules, c.Catalog.RulesSet)
	}
	if got, want := c.String("kubernetes.clusters[0].name"), "c"; got != want {
		t.Errorf("kubernetes.clusters[0].name = %q, want %q", got, want)
	}
	if c.Has("kubernetes.clusters[1]") {
		t.Error("kubernetes.clusters[1] survived: lists must replace, not merge")
	}
	if got, want := c.String("kubernetes.serviceLocatorMethod.type"), "multiTenant"; got != want {
		t.Errorf("kubernetes.serviceLocatorMethod.type = %q, want %q", got, want)
	}

	// Reversed order: the base wins everything.
	c = mustLoad(t, nil, files, "prod.yaml", "local.yaml", "base.yaml")
	if got, want := c.Backend.Database.DSN(), ":memory:"; got != want {
		t.Errorf("reversed: DSN() = %q, want %q", got, want)
	}
	if c.App.Title != "Base" || len(c.Catalog.Locations) != 2 || len(c.Catalog.Rules) != 1 {
		t.Errorf("reversed: title %q, %d locations, %d rules; want Base, 2, 1", c.App.Title, len(c.Catalog.Locations), len(c.Catalog.Rules))
	}
}

func TestMissingVariableOverridden(t *testing.T) {
	// A variable missing in an earlier file does not matter when a later
	// file replaces the value; one missing in the winning file does.
	files := map[string]string{
		"app-config.yaml":            "backend:\n  database:\n    client: pg\n    connection:\n      password: ${DEV_PASSWORD}\n      user: ${DEV_USER}\n",
		"app-config.production.yaml": "backend:\n  database:\n    connection:\n      password: ${POSTGRES_PASSWORD}\n",
	}
	_, err := config.Load([]string{"app-config.yaml", "app-config.production.yaml"}, env(nil), memFiles(files))
	want := []string{
		"app-config.production.yaml: backend.database.connection.password: environment variable POSTGRES_PASSWORD is not set",
		"app-config.yaml: backend.database.connection.user: environment variable DEV_USER is not set",
	}
	if diff := cmp.Diff(want, errLines(err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	c := mustLoad(t, map[string]string{"POSTGRES_PASSWORD": "x", "DEV_USER": "u"}, files, "app-config.yaml", "app-config.production.yaml")
	if c.Backend.Database.Password != "x" {
		t.Errorf("Password = %q, want x", c.Backend.Database.Password)
	}
}

func TestSubstitution(t *testing.T) {
	vars := map[string]string{"HOST": "db.example.com", "PORT": "5432", "EMPTY": ""}
	for _, tc := range []struct {
		name, value, want, err string
	}{
		{name: "whole", value: "${HOST}", want: "db.example.com"},
		{name: "embedded", value: "postgres://${HOST}:${PORT}/x", want: "postgres://db.example.com:5432/x"},
		{name: "spaces", value: "${ HOST }", want: "db.example.com"},
		{name: "escaped", value: "$${HOST} is ${HOST}", want: "${HOST} is db.example.com"},
		{name: "unclosed", value: "${HOST", want: "${HOST"},
		{name: "lone dollar", value: "cost: $5", want: "cost: $5"},
		{name: "empty", value: "${EMPTY}", err: "a.yaml: x.v: environment variable EMPTY is not set"},
		{name: "unset twice", value: "${A}-${B}",
			err: "a.yaml: x.v: environment variable A is not set\na.yaml: x.v: environment variable B is not set"},
		{name: "no name", value: "${}", err: "a.yaml: x.v: empty variable name in ${}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"a.yaml": "x:\n  v: '" + tc.value + "'\n"}
			c, err := config.Load([]string{"a.yaml"}, env(vars), memFiles(files))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("Load error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.String("x.v"); got != tc.want {
				t.Errorf("x.v = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDirectives(t *testing.T) {
	files := map[string]string{
		"conf/app-config.yaml": `
secret: {$file: secrets/token.txt}
fromEnv: {$env: TOKEN}
whole: {$include: parts/k8s.yaml}
part: {$include: 'parts/k8s.yaml#clusters[1]'}
nested: {$include: 'parts/k8s.yaml#meta.owner'}
json: {$include: parts/data.json}
abs: {$file: /etc/ca.pem}
`,
		"conf/secrets/token.txt": "t0k3n",
		"conf/parts/k8s.yaml": `
clusters:
  - {name: a, token: '${TOKEN}'}
  - {name: b, ca: {$file: ../secrets/token.txt}}
meta: {owner: team-a}
`,
		"conf/parts/data.json": `{"list": [1, 2], "name": "n"}`,
		"/etc/ca.pem":          "CA",
	}
	c := mustLoad(t, map[string]string{"TOKEN": "env-token"}, files, "conf/app-config.yaml")
	for path, want := range map[string]string{
		"secret":                  "t0k3n",
		"fromEnv":                 "env-token",
		"whole.clusters[0].token": "env-token",
		"whole.clusters[1].ca":    "t0k3n", // relative to the included file
		"part.name":               "b",
		"nested":                  "team-a",
		"json.list[1]":            "2",
		"json.name":               "n",
		"abs":                     "CA",
	} {
		if got := c.String(path); got != want {
			t.Errorf("String(%q) = %q, want %q", path, got, want)
		}
	}

	for _, tc := range []struct {
		name, yaml string
		files      map[string]string
		want       string
	}{
		{name: "missing $file", yaml: "a: {$file: nope.txt}",
			want: "c.yaml:1: a: $file: open nope.txt: file does not exist"},
		{name: "unset $env", yaml: "a: {$env: NOPE}",
			want: "c.yaml: a: environment variable NOPE is not set"},
		{name: "bad extension", yaml: "a: {$include: x.txt}",
			want: "c.yaml:1: a: $include: x.txt is not a .yaml, .yml or .json file"},
		{name: "missing fragment", yaml: "a: {$include: 'x.yaml#b.c'}", files: map[string]string{"x.yaml": "b: {}"},
			want: "c.yaml:1: a: $include: x.yaml has no key b.c"},
		{name: "cycle", yaml: "a: {$include: x.yaml}", files: map[string]string{"x.yaml": "b: {$include: x.yaml}"},
			want: "x.yaml:1: a.b: $include: x.yaml includes itself"},
		{name: "not a string", yaml: "a: {$env: [A]}",
			want: "c.yaml:1: a: $env wants a string, got a list"},
		{name: "included syntax error", yaml: "a: {$include: x.yaml}", files: map[string]string{"x.yaml": "a: [\n"},
			want: "x.yaml:1: did not find expected node content"},
		{name: "overridden missing file", yaml: "a: {$file: nope.txt}\na2: 1", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := map[string]string{"c.yaml": tc.yaml}
			for k, v := range tc.files {
				fs[k] = v
			}
			order := []string{"c.yaml"}
			if tc.want == "" {
				fs["d.yaml"] = "a: fine"
				order = append(order, "d.yaml")
			}
			_, err := config.Load(order, env(nil), memFiles(fs))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Load error = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	files := map[string]string{
		"a.yaml": `
kubernetes:
  clusters:
    - name: prod
      url: https://k8s.example.com
      skipTLSVerify: ${SKIP_TLS}
      timeoutSeconds: ${TIMEOUT}
    - name: staging
      ulr: https://k8s-staging.example.com
      timeoutSeconds: soon
`,
	}
	c := mustLoad(t, map[string]string{"SKIP_TLS": "true", "TIMEOUT": "30"}, files, "a.yaml")
	type cluster struct {
		Name           string `yaml:"name"`
		URL            string `yaml:"url"`
		SkipTLSVerify  bool   `yaml:"skipTLSVerify"`
		TimeoutSeconds int    `yaml:"timeoutSeconds"`
	}
	var k struct {
		Clusters []cluster `yaml:"clusters"`
	}
	err := c.Decode("kubernetes", &k)
	want := []string{
		"a.yaml:10: kubernetes.clusters[1].timeoutSeconds: cannot unmarshal string `soon` into int",
		"a.yaml:9: kubernetes.clusters[1].ulr: unknown key",
	}
	if diff := cmp.Diff(want, errLines(err)); diff != "" {
		t.Errorf("Decode errors (-want +got):\n%s", diff)
	}
	// Values from ${VAR} are coerced like Backstage's reader does.
	if got, want := k.Clusters[0], (cluster{"prod", "https://k8s.example.com", true, 30}); got != want {
		t.Errorf("cluster[0] = %+v, want %+v", got, want)
	}

	var one cluster
	if err := c.Decode("kubernetes.clusters[0]", &one); err != nil || one.Name != "prod" {
		t.Errorf("Decode(kubernetes.clusters[0]) = %+v, %v", one, err)
	}
	untouched := struct{ X int }{X: 7}
	if err := c.Decode("grafana", &untouched); err != nil || untouched.X != 7 {
		t.Errorf("Decode(absent) = %+v, %v; want untouched and nil", untouched, err)
	}
	if c.Has("grafana") || !c.Has("kubernetes.clusters[1].ulr") {
		t.Error("Has is wrong")
	}
}

func TestListen(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       config.Listen
		err        string
	}{
		{name: "absent", yaml: "backend: {baseUrl: 'http://localhost:9000'}", want: config.Listen{Port: 7007}},
		{name: "port int", yaml: "backend: {listen: {port: 8080}}", want: config.Listen{Port: 8080}},
		{name: "port string", yaml: "backend: {listen: {port: '8080'}}", want: config.Listen{Port: 8080}},
		{name: "port from env", yaml: "backend: {listen: {port: '${PORT}'}}", want: config.Listen{Port: 9090}},
		{name: "host only", yaml: "backend: {listen: {host: 127.0.0.1}}", want: config.Listen{Host: "127.0.0.1", Port: 7007}},
		{name: "string", yaml: "backend: {listen: ':8080'}", want: config.Listen{Port: 8080}},
		{name: "string host", yaml: "backend: {listen: '0.0.0.0:8080'}", want: config.Listen{Host: "0.0.0.0", Port: 8080}},
		{name: "bare port", yaml: "backend: {listen: 8080}", want: config.Listen{Port: 8080}},
		{name: "port zero", yaml: "backend: {listen: {port: 0}}", want: config.Listen{Port: 0}},
		{name: "bad string", yaml: "backend: {listen: 'a:b:c'}",
			err: `a.yaml:1: backend.listen: want "[host]:port" or {host, port}, got "a:b:c"`},
		{name: "unknown key", yaml: "backend:\n  listen:\n    prot: 1",
			err: `a.yaml:3: backend.listen.prot: unknown key`},
		{name: "list", yaml: "backend:\n  listen:\n    - 1",
			err: `a.yaml:2: backend.listen: want "[host]:port" or {host, port}, got a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load([]string{"a.yaml"}, env(map[string]string{"PORT": "9090"}), memFiles(map[string]string{"a.yaml": tc.yaml}))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("Load error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Backend.Listen != tc.want {
				t.Errorf("Listen = %+v, want %+v", c.Backend.Listen, tc.want)
			}
		})
	}
}

func TestCatalogSettings(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		check      func(t *testing.T, c config.Catalog)
	}{
		{name: "defaults", yaml: "catalog: {}", check: func(t *testing.T, c config.Catalog) {
			if c.Readonly || c.OrphanStrategy != "delete" || c.RulesSet || c.ProcessingInterval != config.Duration(2*time.Minute) {
				t.Errorf("got %+v", c)
			}
			if diff := cmp.Diff(config.DefaultRules, c.EffectiveRules()); diff != "" {
				t.Errorf("EffectiveRules (-want +got):\n%s", diff)
			}
		}},
		{name: "readonly keep", yaml: "catalog: {readonly: true, orphanStrategy: keep}", check: func(t *testing.T, c config.Catalog) {
			if !c.Readonly || c.OrphanStrategy != "keep" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "readonly from env", yaml: "catalog: {readonly: '${RO}'}", check: func(t *testing.T, c config.Catalog) {
			if !c.Readonly {
				t.Errorf("Readonly = false, want true")
			}
		}},
		{name: "interval disabled", yaml: "catalog: {processingInterval: false}", check: func(t *testing.T, c config.Catalog) {
			if c.ProcessingInterval != 0 {
				t.Errorf("ProcessingInterval = %v, want 0", c.ProcessingInterval)
			}
		}},
		{name: "rules null is absent", yaml: "catalog: {rules: null}", check: func(t *testing.T, c config.Catalog) {
			if c.RulesSet {
				t.Error("RulesSet = true, want false")
			}
		}},
		{name: "rules empty rejects all", yaml: "catalog: {rules: []}", check: func(t *testing.T, c config.Catalog) {
			if !c.RulesSet || c.Rules == nil && len(c.EffectiveRules()) != 0 {
				t.Errorf("RulesSet = %v, EffectiveRules = %v", c.RulesSet, c.EffectiveRules())
			}
		}},
		{name: "providers left to plugins", yaml: "catalog: {providers: {github: {x: {anything: 1}}}}", check: func(t *testing.T, c config.Catalog) {}},
		{name: "limits default", yaml: "catalog: {}", check: func(t *testing.T, c config.Catalog) {
			if want := (config.CatalogLimits{MaxPlaceholdersPerEntity: 100, MaxEntityBytes: 8 << 20, MaxFileBytes: 64 << 20, MaxRegisteredFileBytes: 4 << 20, MaxPlaceholderBytes: 4 << 20}); c.Limits != want {
				t.Errorf("Limits = %+v, want %+v", c.Limits, want)
			}
		}},
		{name: "limits in bytes", yaml: "catalog: {limits: {maxPlaceholdersPerEntity: 5, maxEntityBytes: 1048576, maxFileBytes: 128MiB, maxRegisteredFileBytes: 1MiB, maxPlaceholderBytes: 2048}}", check: func(t *testing.T, c config.Catalog) {
			if want := (config.CatalogLimits{MaxPlaceholdersPerEntity: 5, MaxEntityBytes: 1 << 20, MaxFileBytes: 128 << 20, MaxRegisteredFileBytes: 1 << 20, MaxPlaceholderBytes: 2048}); c.Limits != want {
				t.Errorf("Limits = %+v, want %+v", c.Limits, want)
			}
		}},
		{name: "limits with a unit keep the other default", yaml: "catalog: {limits: {maxEntityBytes: 16 MiB}}", check: func(t *testing.T, c config.Catalog) {
			if want := (config.CatalogLimits{MaxPlaceholdersPerEntity: 100, MaxEntityBytes: 16 << 20, MaxFileBytes: 64 << 20, MaxRegisteredFileBytes: 4 << 20, MaxPlaceholderBytes: 4 << 20}); c.Limits != want {
				t.Errorf("Limits = %+v, want %+v", c.Limits, want)
			}
		}},
		{name: "memory limit follows by default", yaml: "catalog: {}", check: func(t *testing.T, c config.Catalog) {
			if c.MemoryLimit != 0 {
				t.Errorf("MemoryLimit = %d, want 0 (follow)", c.MemoryLimit)
			}
		}},
		{name: "memory limit off", yaml: "catalog: {memoryLimit: off}", check: func(t *testing.T, c config.Catalog) {
			if c.MemoryLimit != -1 {
				t.Errorf("MemoryLimit = %d, want -1 (off)", c.MemoryLimit)
			}
		}},
		{name: "memory limit fixed", yaml: "catalog: {memoryLimit: 1GiB}", check: func(t *testing.T, c config.Catalog) {
			if c.MemoryLimit != 1<<30 {
				t.Errorf("MemoryLimit = %d, want %d", c.MemoryLimit, 1<<30)
			}
		}},
		{name: "limits from env", yaml: "catalog: {limits: {maxEntityBytes: '${RO_SIZE}'}}", check: func(t *testing.T, c config.Catalog) {
			if c.Limits.MaxEntityBytes != 2_000_000 {
				t.Errorf("MaxEntityBytes = %d, want 2000000", c.Limits.MaxEntityBytes)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, map[string]string{"RO": "true", "RO_SIZE": "2MB"}, map[string]string{"a.yaml": tc.yaml}, "a.yaml")
			tc.check(t, c.Catalog)
		})
	}
}

func TestValidateCollectsAll(t *testing.T) {
	c := config.Default()
	c.Backend.BaseURL = "nope"
	c.Backend.Listen.Port = -1
	c.Backend.Database = config.Database{Client: "mssql"}
	c.Catalog.OrphanStrategy = "archive"
	c.Catalog.Locations = []config.Location{{Type: "url"}}
	c.Catalog.Rules = []config.Rule{{Locations: []config.RuleLocation{{Exact: "a", Pattern: "b"}}}}
	err := c.Validate()
	want := []string{
		`backend.baseUrl: must be an absolute http or https URL, got "nope"`,
		`backend.database.client: unknown client "mssql"; allowed: better-sqlite3, sqlite3, pg`,
		`backend.listen.port: must be between 0 and 65535, got -1`,
		`catalog.locations[0].target: must not be empty`,
		`catalog.orphanStrategy: want keep or delete, got "archive"`,
		`catalog.rules[0].allow: must list at least one kind`,
		`catalog.rules[0].locations[0].type: must not be empty`,
		`catalog.rules[0].locations[0]: set exact or pattern, not both`,
	}
	if diff := cmp.Diff(want, errLines(err)); diff != "" {
		t.Errorf("Validate (-want +got):\n%s", diff)
	}
	if errors.Unwrap(err) != nil {
		t.Error("want a joined error")
	}
}

func TestAppLang(t *testing.T) {
	c := mustLoad(t, nil, map[string]string{"a.yaml": "app: {lang: zh-CN}"}, "a.yaml")
	if c.App.Lang != "zh-CN" {
		t.Errorf("app.lang = %q, want zh-CN", c.App.Lang)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "app.lang") {
			t.Errorf("app.lang warned about: %s", w)
		}
	}
}
