package onboard

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"callboard/integration/github"
)

// Facts is what onboarding knows of a repository: its metadata and the
// few files that say what it is.
type Facts struct {
	Owner, Repo string
	Description string
	Homepage    string
	Topics      []string
	Languages   map[string]int  // bytes per language
	Root        map[string]bool // names at the repository root; directories end in "/"
	// CodeOwners is the content of the first CODEOWNERS file GitHub would
	// use, and CodeOwnersPath its path ("" when none).
	CodeOwners, CodeOwnersPath string
	// Teams are the teams with access; only read when CODEOWNERS names no
	// team.
	Teams []github.TeamAccess
	// Readme is the first paragraph of README.md, a description fallback.
	Readme string
	// Subpath names a directory of a monorepository (analyze-location of a
	// tree URL); the entity is then named after it.
	Subpath string
}

// Field is one inferred field with where its value came from.
type Field struct {
	Path   string // metadata.name, spec.owner, ...
	Value  string
	Source string // a short reason shown in the PR and summary
	// Guessed is true when the value is a fallback that a person should
	// check (the --owner default, a description made up from the name).
	Guessed bool
}

// Inference is the entity proposed for a repository.
type Inference struct {
	Name, Description, Type, Lifecycle, Owner string
	Annotations                               map[string]string
	Tags                                      []string
	Homepage                                  string
	Fields                                    []Field
	// OwnerFrom says where the owner came from: "CODEOWNERS",
	// "admin team" or "--owner".
	OwnerFrom string
}

// Infer proposes an entity for f; defaultOwner is used when neither
// CODEOWNERS nor an admin team names one. It fails only when no valid
// name can be made from the repository name.
func Infer(f Facts, defaultOwner string) (*Inference, error) {
	in := &Inference{Annotations: map[string]string{"github.com/project-slug": f.Owner + "/" + f.Repo}}
	base := f.Repo
	if f.Subpath != "" {
		base = f.Subpath[strings.LastIndexByte(f.Subpath, '/')+1:]
	}
	in.Name = SanitizeName(base)
	if in.Name == "" {
		return nil, fmt.Errorf("no valid entity name can be made from %q", base)
	}
	src := "repository name"
	if in.Name != base {
		src = fmt.Sprintf("repository name %q, sanitized", base)
	}
	in.add("metadata.name", in.Name, src, false)

	switch d := strings.TrimSpace(f.Description); {
	case d != "":
		in.Description = d
		in.add("metadata.description", d, "repository description", false)
	case f.Readme != "":
		in.Description = f.Readme
		in.add("metadata.description", f.Readme, "first paragraph of README.md", false)
	}

	typ, why := inferType(f)
	in.Type = typ
	in.add("spec.type", typ, why, typ == "other")

	in.Lifecycle, why = inferLifecycle(f)
	in.add("spec.lifecycle", in.Lifecycle, why, false)

	in.Owner, in.OwnerFrom, why = inferOwner(f, defaultOwner)
	in.add("spec.owner", in.Owner, why, in.OwnerFrom == "--owner")

	if f.Root["mkdocs.yml"] || f.Root["mkdocs.yaml"] {
		in.Annotations["backstage.io/techdocs-ref"] = "dir:."
		in.add("metadata.annotations.backstage.io/techdocs-ref", "dir:.", "mkdocs.yml at the root", false)
	}
	in.Tags = inferTags(f)
	if len(in.Tags) > 0 {
		in.add("metadata.tags", strings.Join(in.Tags, ", "), "topics and main language", false)
	}
	if u, err := url.Parse(f.Homepage); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		in.Homepage = f.Homepage
	}
	return in, nil
}

func (in *Inference) add(path, value, source string, guessed bool) {
	in.Fields = append(in.Fields, Field{Path: path, Value: value, Source: source, Guessed: guessed})
}

// Topic sets that decide spec.type and spec.lifecycle, checked in order.
var (
	libraryTopics  = []string{"library", "lib", "sdk", "client-library", "package", "framework"}
	docsTopics     = []string{"documentation", "docs", "handbook", "guide", "guidelines", "runbook", "wiki"}
	websiteTopics  = []string{"website", "web", "frontend", "nextjs", "next", "react", "vue", "angular", "svelte", "gatsby", "nuxt", "static-site", "hugo", "jekyll", "spa"}
	serviceTopics  = []string{"service", "microservice", "api", "backend", "grpc", "server", "worker"}
	websiteFiles   = []string{"next.config.js", "next.config.mjs", "next.config.ts", "gatsby-config.js", "gatsby-config.ts", "nuxt.config.js", "nuxt.config.ts", "angular.json", "svelte.config.js", "index.html"}
	serviceFiles   = []string{"dockerfile", "docker-compose.yml", "docker-compose.yaml", "compose.yaml", "procfile", "chart/", "helm/", "k8s/", "kubernetes/", "deploy/", "app.yaml", "serverless.yml"}
	goServiceFiles = []string{"main.go", "cmd/"}
	libraryFiles   = map[string]string{"go.mod": "Go module", "setup.py": "Python package", "pyproject.toml": "Python package",
		"package.json": "npm package", "cargo.toml": "Rust crate", "pom.xml": "Maven artifact", "build.gradle": "Gradle project"}
	experimentalHints = []string{"experimental", "experiment", "prototype", "poc", "proof-of-concept", "alpha", "beta", "wip", "sandbox", "playground", "hackathon", "spike", "demo"}
	deprecatedHints   = []string{"deprecated", "legacy", "unmaintained", "obsolete", "eol", "end-of-life"}
)

// inferType picks spec.type from topics, then root files, then languages.
func inferType(f Facts) (typ, why string) {
	topics := lowerAll(f.Topics)
	root := map[string]bool{}
	orig := map[string]string{} // lower case -> as in the repository, for reasons
	for n := range f.Root {
		root[strings.ToLower(n)] = true
		orig[strings.ToLower(n)] = strings.TrimSuffix(n, "/")
	}
	lang := primaryLanguage(f.Languages)
	for _, c := range []struct {
		topics []string
		typ    string
	}{{libraryTopics, "library"}, {docsTopics, "documentation"}, {websiteTopics, "website"}, {serviceTopics, "service"}} {
		if t := firstIn(topics, c.topics); t != "" {
			return c.typ, fmt.Sprintf("topic %q", t)
		}
	}
	if n := firstIn(keys(root), websiteFiles); n != "" {
		return "website", orig[n] + " at the root"
	}
	if n := firstIn(keys(root), serviceFiles); n != "" {
		if lang != "" {
			return "service", fmt.Sprintf("%s with %s", lang, orig[n])
		}
		return "service", orig[n] + " at the root"
	}
	if lang == "" || isMarkup(lang) {
		if root["mkdocs.yml"] || root["mkdocs.yaml"] || root["docs/"] {
			return "documentation", "docs without code"
		}
	}
	if lang == "Go" {
		if n := firstIn(keys(root), goServiceFiles); n != "" {
			return "service", "Go with " + orig[n]
		}
	}
	if lang != "" {
		for _, n := range sortedKeys(libraryFiles) {
			if root[n] {
				return "library", fmt.Sprintf("%s %s without Dockerfile", lang, libraryFiles[n])
			}
		}
		return "service", fmt.Sprintf("%s code (default)", lang)
	}
	return "other", "no code, topic or known file to go by"
}

// inferLifecycle: production unless topics or the name say otherwise.
func inferLifecycle(f Facts) (string, string) {
	words := lowerAll(f.Topics)
	words = append(words, strings.FieldsFunc(strings.ToLower(f.Repo), func(r rune) bool { return r == '-' || r == '_' || r == '.' })...)
	if w := firstIn(words, deprecatedHints); w != "" {
		return "deprecated", fmt.Sprintf("%q in topics or name", w)
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(f.Description)), "deprecated") ||
		strings.HasPrefix(strings.ToLower(strings.TrimSpace(f.Description)), "[deprecated]") {
		return "deprecated", "description says deprecated"
	}
	if w := firstIn(words, experimentalHints); w != "" {
		return "experimental", fmt.Sprintf("%q in topics or name", w)
	}
	return "production", "default"
}

// inferOwner: the CODEOWNERS team, else the first team with admin
// permission, else defaultOwner.
func inferOwner(f Facts, defaultOwner string) (owner, from, why string) {
	if t := codeownersTeam(f.Owner, f.CodeOwners); t != "" && SanitizeName(t) == t {
		return "group:default/" + t, "CODEOWNERS", fmt.Sprintf("@%s/%s in %s", f.Owner, t, f.CodeOwnersPath)
	}
	var admins []string
	for _, t := range f.Teams {
		if t.Permission == "admin" && SanitizeName(t.Slug) == strings.ToLower(t.Slug) {
			admins = append(admins, strings.ToLower(t.Slug))
		}
	}
	if len(admins) > 0 {
		sort.Strings(admins)
		return "group:default/" + admins[0], "admin team", fmt.Sprintf("team %s has admin permission", admins[0])
	}
	return defaultOwner, "--owner", "no CODEOWNERS team and no admin team; the --owner default"
}

// inferTags: sanitized topics, then the main language.
func inferTags(f Facts) []string {
	var out []string
	for _, t := range append(slices.Clone(f.Topics), primaryLanguage(f.Languages)) {
		if s := SanitizeTag(t); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// primaryLanguage is the language with the most bytes (ties by name).
func primaryLanguage(l map[string]int) string {
	best, n := "", -1
	for _, k := range sortedKeys(l) {
		if l[k] > n {
			best, n = k, l[k]
		}
	}
	return best
}

func isMarkup(lang string) bool {
	switch lang {
	case "HTML", "CSS", "Markdown", "MDX", "TeX", "Makefile", "Dockerfile":
		return true
	}
	return false
}

func firstIn(have, want []string) string {
	for _, w := range want {
		if slices.Contains(have, w) {
			return w
		}
	}
	return ""
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return out
}

func keys(m map[string]bool) []string { return sortedKeys(m) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
