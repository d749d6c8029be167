package onboard_test

import (
	"strings"
	"testing"

	"callboard/integration/github"
	"callboard/onboard"
)

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ in, name, tag string }{
		{"payment-service", "payment-service", "payment-service"},
		{"Data__Pipeline..Jobs", "data_pipeline.jobs", "data-pipeline-jobs"},
		{"-.leading_and_trailing._", "leading_and_trailing", "leading-and-trailing"},
		{"C++", "c", "c++"},
		{"C#", "c", "c#"},
		{"über cool", "ber-cool", "ber-cool"},
		{"___", "", ""},
		{strings.Repeat("a", 70) + "-b", strings.Repeat("a", 63), strings.Repeat("a", 63)},
		{strings.Repeat("a", 62) + "-b", strings.Repeat("a", 62), strings.Repeat("a", 62)},
	} {
		if got := onboard.SanitizeName(tc.in); got != tc.name {
			t.Errorf("SanitizeName(%q) = %q, want %q", tc.in, got, tc.name)
		}
		if got := onboard.SanitizeTag(tc.in); got != tc.tag {
			t.Errorf("SanitizeTag(%q) = %q, want %q", tc.in, got, tc.tag)
		}
	}
}

func TestInfer(t *testing.T) {
	files := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	for _, tc := range []struct {
		name                  string
		f                     onboard.Facts
		typ, lifecycle, owner string
		ownerFrom             string
	}{
		{"go with Dockerfile", onboard.Facts{Repo: "a", Languages: map[string]int{"Go": 10}, Root: files("Dockerfile", "go.mod")},
			"service", "production", "group:default/unknown", "--owner"},
		{"go module", onboard.Facts{Repo: "a", Languages: map[string]int{"Go": 10}, Root: files("go.mod", "x.go")},
			"library", "production", "group:default/unknown", "--owner"},
		{"go main", onboard.Facts{Repo: "a", Languages: map[string]int{"Go": 10}, Root: files("go.mod", "main.go")},
			"service", "production", "group:default/unknown", "--owner"},
		{"ts react topic", onboard.Facts{Repo: "a", Topics: []string{"react"}, Languages: map[string]int{"TypeScript": 10}},
			"website", "production", "group:default/unknown", "--owner"},
		{"library topic beats Dockerfile", onboard.Facts{Repo: "a", Topics: []string{"library"}, Root: files("Dockerfile")},
			"library", "production", "group:default/unknown", "--owner"},
		{"next config", onboard.Facts{Repo: "a", Languages: map[string]int{"JavaScript": 10}, Root: files("package.json", "next.config.js")},
			"website", "production", "group:default/unknown", "--owner"},
		{"docs only", onboard.Facts{Repo: "a", Root: files("mkdocs.yml", "docs/")},
			"documentation", "production", "group:default/unknown", "--owner"},
		{"nothing", onboard.Facts{Repo: "a"}, "other", "production", "group:default/unknown", "--owner"},
		{"experimental topic", onboard.Facts{Repo: "a", Topics: []string{"prototype"}, Languages: map[string]int{"Rust": 1}},
			"service", "experimental", "group:default/unknown", "--owner"},
		{"deprecated description", onboard.Facts{Repo: "a", Description: "DEPRECATED: use b", Languages: map[string]int{"Rust": 1}},
			"service", "deprecated", "group:default/unknown", "--owner"},
		{"codeowners whole-repo rule wins", onboard.Facts{Owner: "acme", Repo: "a", CodeOwnersPath: "CODEOWNERS",
			CodeOwners: "/docs/ @acme/writers\n* @acme/Core-Team # the owners\n*.js @acme/web\n",
			Teams:      []github.TeamAccess{{Slug: "admins", Permission: "admin"}}},
			"other", "production", "group:default/core-team", "CODEOWNERS"},
		{"codeowners of another org", onboard.Facts{Owner: "acme", Repo: "a", CodeOwners: "* @other/team\n",
			Teams: []github.TeamAccess{{Slug: "zeta", Permission: "admin"}, {Slug: "alpha", Permission: "admin"}, {Slug: "beta", Permission: "maintain"}}},
			"other", "production", "group:default/alpha", "admin team"},
		{"codeowners first team", onboard.Facts{Owner: "acme", Repo: "a", CodeOwners: "# c\n/api/ @bob @acme/api\n"},
			"other", "production", "group:default/api", "CODEOWNERS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := onboard.Infer(tc.f, onboard.DefaultOwner)
			if err != nil {
				t.Fatal(err)
			}
			if in.Type != tc.typ || in.Lifecycle != tc.lifecycle || in.Owner != tc.owner || in.OwnerFrom != tc.ownerFrom {
				t.Errorf("type, lifecycle, owner = %s, %s, %s from %s; want %s, %s, %s from %s",
					in.Type, in.Lifecycle, in.Owner, in.OwnerFrom, tc.typ, tc.lifecycle, tc.owner, tc.ownerFrom)
			}
			y, err := in.YAML()
			if err != nil {
				t.Errorf("YAML: %v", err)
			}
			if tc.name == "go with Dockerfile" && !strings.Contains(string(y), "type: Go with Dockerfile.") {
				t.Errorf("YAML header does not give the type's reason:\n%s", y)
			}
		})
	}
}

func TestInferRefusesBadInput(t *testing.T) {
	if _, err := onboard.Infer(onboard.Facts{Owner: "acme", Repo: "___"}, onboard.DefaultOwner); err == nil {
		t.Error("no error for a name with no letters")
	}
	for ref, ok := range map[string]bool{"group:default/platform": true, "platform": true, "user:ops/alice": true,
		"group:default/Not Valid!": false, "component:default/x": false, "group:Bad_NS/x": false, "": false} {
		if err := onboard.CheckOwner(ref); (err == nil) != ok {
			t.Errorf("CheckOwner(%q) = %v, want ok %v", ref, err, ok)
		}
	}
}
