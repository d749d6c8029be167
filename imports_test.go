package callboard_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// allowed lists, for every package of the module, the module packages it
// may import (STYLE.md 2.1): data flows one way and the domain depends on
// nothing. A package missing from the table fails the test, so each new
// package states its place when it is added. An entry ending in "/"
// allows every package below it.
var allowed = map[string][]string{
	"callboard":            nil,
	"callboard/config":     nil,
	"callboard/apidoc":     nil,
	"callboard/demo":       nil,
	"callboard/descriptor": {"callboard"},
	"callboard/index":      {"callboard", "callboard/internal/strarena", "callboard/internal/varcodec"},
	"callboard/graph":      {"callboard"},
	"callboard/store":      {"callboard", "callboard/internal/bufpool"},
	"callboard/catalog":    {"callboard", "callboard/descriptor", "callboard/index", "callboard/internal/bufpool", "callboard/internal/strarena", "callboard/internal/varcodec", "callboard/urlread"},
	// The snapshots' varint encoding, shared by the catalog and the index.
	"callboard/internal/varcodec": {"callboard/internal/strarena"},
	// Byte buffers reused across requests by the store, catalog and web.
	"callboard/internal/bufpool": nil,
	// Strings cut from shared blocks, for the index and the catalog graph.
	"callboard/internal/strarena": nil,
	// One search: documents from the catalog, the index in a SearchStore.
	"callboard/search": {"callboard", "callboard/catalog", "callboard/index"},

	// The one URL reader (allowed hosts, redirects, size, time,
	// integrations' credentials) for the catalog, the scaffolder and docs.
	"callboard/urlread": {"callboard"},

	// Sign-in decodes its own config section; the policy decides on root
	// types only, and web and the catalog apply it.
	"callboard/auth":        {"callboard", "callboard/config"},
	"callboard/auth/policy": {"callboard"},

	// The scaffolder gets stores, the catalog and integrations as root
	// interfaces and decodes its own section; rendering and parameter
	// schemas are leaf libraries.
	"callboard/scaffold":        {"callboard", "callboard/config", "callboard/git", "callboard/scaffold/params", "callboard/scaffold/render", "callboard/urlread"},
	"callboard/scaffold/params": {"callboard"},
	"callboard/scaffold/render": {"callboard"},

	"callboard/techdocs":                              {"callboard"},
	"callboard/techdocs/publish":                      {"callboard"},
	"callboard/techdocs/docsync":                      {"callboard", "callboard/config", "callboard/git", "callboard/techdocs", "callboard/techdocs/publish"},
	"callboard/techdocs/internal/sitegen":             nil,
	"callboard/techdocs/internal/sitegen/cmd/sitegen": {"callboard/techdocs/internal/sitegen"},

	// Integrations: the root package, the git runner and their own SDK
	// (see sdks); each decodes its own sections and joins the portal as a
	// plugin.
	"callboard/integration/github": {"callboard", "callboard/config", "callboard/git", "callboard/plugin", "callboard/plugin/ui", "callboard/urlread"},
	"callboard/integration/argocd": {"callboard", "callboard/plugin", "callboard/plugin/ui"},

	"callboard/integration/grafana": {"callboard", "callboard/plugin", "callboard/plugin/ui"},

	"callboard/integration/pagerduty": {"callboard", "callboard/plugin", "callboard/plugin/ui"},

	"callboard/integration/prometheus": {"callboard", "callboard/plugin", "callboard/plugin/ui"}, // SLO card; the HTTP API over net/http

	"callboard/integration/kubernetes": {"callboard", "callboard/git", "callboard/plugin", "callboard/plugin/ui"},

	// The one place git runs (protocols, credentials, timeouts, redaction).
	"callboard/git": {"callboard"},

	// Bulk onboarding: GitHub through the integration's client, entities
	// checked by the catalog's analyzer; no storage, no web.
	"callboard/onboard": {"callboard", "callboard/catalog", "callboard/descriptor", "callboard/integration/github"},

	// The plugin seam: declarations on root types only, so a plugin's
	// package needs nothing else of callboard; its building blocks are
	// the standard library's html/template.
	"callboard/plugin":    {"callboard", "callboard/urlread"},
	"callboard/plugin/ui": nil,

	// Scorecards: the engine (CEL over entities and facts) and the plugin
	// that gathers facts, stores results and shows them.
	"callboard/scorecard":  {"callboard"},
	"callboard/scorecards": {"callboard", "callboard/apidoc", "callboard/catalog", "callboard/plugin", "callboard/plugin/ui", "callboard/scorecard"},
	// IDP metrics and catalog data quality: plugins over root interfaces.
	"callboard/idp":     {"callboard", "callboard/plugin", "callboard/plugin/ui", "callboard/scorecard"},
	"callboard/quality": {"callboard", "callboard/plugin", "callboard/plugin/ui"},
	// A plugin's tests run it in a real portal.
	"callboard/plugin/plugintest": {"callboard", "callboard/auth/policy", "callboard/catalog", "callboard/config",
		"callboard/plugin", "callboard/store", "callboard/store/storetest", "callboard/web"},

	// web serves the domain; it never holds a store or an integration.
	// The Create form draws the fields scaffold/params compiles.
	"callboard/web": {"callboard", "callboard/apidoc", "callboard/catalog", "callboard/graph", "callboard/index", "callboard/internal/bufpool",
		"callboard/plugin", "callboard/plugin/ui",
		"callboard/scaffold", "callboard/scaffold/params", "callboard/search", "callboard/techdocs", "callboard/techdocs/docsync", "callboard/techdocs/publish"},

	// Test servers and test helpers, imported only from _test.go files
	// (no non-test package lists them).
	"callboard/internal/compattest":  nil,
	"callboard/internal/browsertest": nil,
	"callboard/internal/githubfake":  nil,
	"callboard/internal/githttptest": nil,
	"callboard/internal/argocdfake":  nil,
	"callboard/internal/promtest":    nil,
	"callboard/store/storetest":      {"callboard/store"},

	"callboard/internal/grafanafake":   nil,
	"callboard/internal/pagerdutyfake": nil,
	"callboard/internal/kubefake":      nil,

	// Benchmarks and generators.
	"callboard/bench/orggen":            nil,
	"callboard/bench/internal/machine":  nil,
	"callboard/bench/orggen/cmd/orggen": {"callboard/bench/orggen"},
	"callboard/bench/catalogbench":      {"callboard", "callboard/bench/internal/machine", "callboard/bench/orggen", "callboard/catalog", "callboard/store", "callboard/web"},
	"callboard/bench/searchbench": {"callboard", "callboard/bench/internal/machine", "callboard/bench/orggen", "callboard/catalog", "callboard/index", "callboard/search",
		"callboard/store", "callboard/techdocs/publish"},

	// Prometheus metrics on a registry per server; the features report
	// through hooks app wires, so none of them imports it.
	"callboard/metrics":             nil,
	"callboard/metrics/metricstest": nil,
	// Replicas on one database: the change log's follower, on root types.
	"callboard/replica": {"callboard"},
	// The replicas' proof under load and faults drives built binaries over HTTP.
	"callboard/tests/replicas": {"callboard/store/storetest"},
	// The Helm chart; its tests load the rendered config with config.
	"callboard/deploy/helm": nil,

	// The composition root imports everything.
	"callboard/app":           {"callboard/"},
	"callboard/cmd/callboard": {"callboard/app"},
}

// sdks lists, for integration packages, the outside modules they may
// import besides the standard library: their own system's SDK.
var sdks = map[string][]string{
	"callboard/integration/github": {"github.com/google/go-github/", "github.com/golang-jwt/jwt/"},

	"callboard/integration/kubernetes": {"k8s.io/client-go/", "k8s.io/apimachinery/", "sigs.k8s.io/kustomize/"},

	// The chart's tests render it with the Helm SDK and decode into the API types.
	"callboard/deploy/helm": {"helm.sh/helm/v4/", "k8s.io/api/", "k8s.io/apimachinery/", "sigs.k8s.io/yaml"},
}

// TestImportRules checks every package's imports against the table.
func TestImportRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "./...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		seen++
		rules, listed := allowed[p.ImportPath]
		if !listed {
			t.Errorf("package %s is not in imports_test.go's table: add it with the module packages it may import", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case imp == "callboard" || strings.HasPrefix(imp, "callboard/"):
				if !matchesAny(imp, rules) {
					t.Errorf("%s imports %s; STYLE.md 2.1 does not allow it", p.ImportPath, imp)
				}
			case strings.HasPrefix(p.ImportPath, "callboard/integration/") && strings.Contains(strings.Split(imp, "/")[0], "."):
				if !matchesAny(imp, sdks[p.ImportPath]) {
					t.Errorf("%s imports %s; an integration imports only its own SDK (add it to sdks if it is)", p.ImportPath, imp)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("go list listed no package")
	}
}

// matchesAny reports whether imp is one of the entries, or below an entry
// that ends in "/".
func matchesAny(imp string, entries []string) bool {
	for _, e := range entries {
		if imp == e || strings.HasSuffix(e, "/") && (strings.HasPrefix(imp, e) || imp == strings.TrimSuffix(e, "/")) {
			return true
		}
	}
	return false
}
