package callboard_test

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden lists, per package, the module packages it must not import
// (STYLE.md 2.1): data flows one way, and the domain depends on nothing.
var forbidden = map[string][]string{
	"callboard":            {"callboard/"},
	"callboard/config":     {"callboard/"},
	"callboard/descriptor": {"callboard/store", "callboard/web", "callboard/catalog", "callboard/index"},
	"callboard/index":      {"callboard/store", "callboard/web", "callboard/catalog", "callboard/descriptor"},
	"callboard/catalog":    {"callboard/store", "callboard/web", "callboard/config"},
	"callboard/store":      {"callboard/catalog", "callboard/web", "callboard/index", "callboard/descriptor", "callboard/config"},
	"callboard/graph":      {"callboard/store", "callboard/web", "callboard/catalog"},
	"callboard/apidoc":     {"callboard/store", "callboard/web", "callboard/catalog"},
	"callboard/web":        {"callboard/store", "callboard/config"},
	// Template rendering and parameter schemas use only the domain root and libraries.
	"callboard/scaffold/render": leafForbidden,
	"callboard/scaffold/params": leafForbidden,
	// The git runner every clone and push goes through.
	"callboard/git": leafForbidden,
	// The scaffolder gets stores, the catalog and integrations as interfaces.
	"callboard/scaffold": {"callboard/store", "callboard/web", "callboard/catalog", "callboard/config", "callboard/index",
		"callboard/descriptor", "callboard/techdocs", "callboard/integration", "callboard/auth", "callboard/cmd", "callboard/internal"},
	"callboard/auth": {"callboard/store", "callboard/web", "callboard/catalog", "callboard/index"},

	// The policy decides on root types only; web and the catalog apply it.
	"callboard/auth/policy": {"callboard/store", "callboard/web", "callboard/catalog", "callboard/index"},

	// Integrations: the root package and their SDK only (STYLE.md 2.1).
	"callboard/integration/github":  {"callboard/store", "callboard/web", "callboard/catalog", "callboard/scaffold", "callboard/config", "callboard/integration/"},
	"callboard/internal/githubfake": {"callboard/"},
	// Bulk onboarding: GitHub through the integration's client, entities
	// checked by descriptor; no storage, no web.
	"callboard/onboard": {"callboard/store", "callboard/web", "callboard/config", "callboard/scaffold"},
}

// leafForbidden is every module package except the domain root: for leaf
// libraries such as the template renderer and the parameter schemas.
var leafForbidden = []string{"callboard/store", "callboard/web", "callboard/catalog", "callboard/config",
	"callboard/index", "callboard/descriptor", "callboard/graph", "callboard/apidoc", "callboard/techdocs",
	"callboard/scaffold", "callboard/cmd", "callboard/internal", "callboard/integration", "callboard/auth"}

// TestImportRules checks the package dependency table with go list.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		for _, imp := range imports {
			for _, bad := range forbidden[pkg] {
				if imp == strings.TrimSuffix(bad, "/") || strings.HasPrefix(imp, bad) && (strings.HasSuffix(bad, "/") || strings.HasPrefix(imp, bad+"/")) {
					t.Errorf("%s imports %s; STYLE.md 2.1 forbids it", pkg, imp)
				}
			}
		}
	}
}
