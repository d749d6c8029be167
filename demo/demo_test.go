package demo_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"callboard"
	"callboard/demo"
)

// doc is one YAML document of the demo, with the file it came from.
type doc struct {
	file string
	body map[string]any
}

func (d doc) kind() string { return str(d.body["kind"]) }

func (d doc) name() string {
	md, _ := d.body["metadata"].(map[string]any)
	return str(md["name"])
}

func (d doc) spec() map[string]any {
	s, _ := d.body["spec"].(map[string]any)
	return s
}

func (d doc) ref() string {
	return callboard.EntityRef{Kind: d.kind(), Name: d.name()}.String()
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// mustParseFile decodes every document of a YAML file.
func mustParseFile(t *testing.T, fsys fs.FS, name string) []doc {
	t.Helper()
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var docs []doc
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var body map[string]any
		err := dec.Decode(&body)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		if body != nil {
			docs = append(docs, doc{file: name, body: body})
		}
	}
	return docs
}

// catalog is what a walk from the root Location reached.
type catalog struct {
	docs    []doc
	reached map[string]bool // every file reached: descriptors, $text targets, docs
}

// mustWalk follows Location targets from the root, as the catalog does:
// relative to the Location's own file, globs expanded.
func mustWalk(t *testing.T, fsys fs.FS) catalog {
	t.Helper()
	c := catalog{reached: map[string]bool{}}
	queue := []string{demo.Root}
	for len(queue) > 0 {
		file := queue[0]
		queue = queue[1:]
		if c.reached[file] {
			continue
		}
		c.reached[file] = true
		for _, d := range mustParseFile(t, fsys, file) {
			c.docs = append(c.docs, d)
			if d.kind() != "Location" {
				continue
			}
			targets, _ := d.spec()["targets"].([]any)
			if tg := str(d.spec()["target"]); tg != "" {
				targets = append(targets, tg)
			}
			for _, tg := range targets {
				pattern := path.Join(path.Dir(file), str(tg))
				matches, err := fs.Glob(fsys, pattern)
				if err != nil {
					t.Fatalf("%s: target %q: %v", file, tg, err)
				}
				if len(matches) == 0 {
					t.Errorf("%s: target %q matches no file", file, tg)
				}
				queue = append(queue, matches...)
			}
		}
	}
	return c
}

func TestParse(t *testing.T) {
	fsys := demo.FS()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		for _, d := range mustParseFile(t, fsys, p) {
			if _, ok := d.body["openapi"]; ok {
				continue // an API definition, not an entity
			}
			if _, ok := d.body["asyncapi"]; ok {
				continue
			}
			if _, ok := d.body["site_name"]; ok {
				continue // mkdocs.yml
			}
			if str(d.body["apiVersion"]) == "" || d.kind() == "" || d.name() == "" {
				t.Errorf("%s: document lacks apiVersion, kind or metadata.name: %v", p, d.body)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var nameRE = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)

func TestEntities(t *testing.T) {
	c := mustWalk(t, demo.FS())
	byKind := map[string]int{}
	seen := map[string]string{}
	for _, d := range c.docs {
		byKind[d.kind()]++
		if !nameRE.MatchString(d.name()) || len(d.name()) > 63 {
			t.Errorf("%s: bad name %q", d.file, d.name())
		}
		if prev, ok := seen[d.ref()]; ok {
			t.Errorf("%s defined twice: %s and %s", d.ref(), prev, d.file)
		}
		seen[d.ref()] = d.file
	}
	min := map[string]int{"Domain": 3, "System": 3, "Group": 6, "User": 15, "Component": 8, "API": 3, "Resource": 4}
	for k, n := range min {
		if byKind[k] < n {
			t.Errorf("%d entities of kind %s, want at least %d", byKind[k], k, n)
		}
	}
	for _, ref := range []string{
		"component:default/payment-service", "api:default/payment-api", "resource:default/payment-db",
		"resource:default/payment-events-topic", "component:default/order-service", "api:default/order-api",
		"resource:default/order-db", "component:default/notification-service", "api:default/payment-events",
		"system:default/payment-system", "system:default/order-system", "system:default/platform-system",
		"domain:default/payments", "domain:default/platform", "domain:default/commerce",
		"group:default/engineering", "group:default/payments-team", "group:default/platform-team",
		"group:default/order-team", "group:default/sre-team",
	} {
		if _, ok := seen[ref]; !ok {
			t.Errorf("%s is missing from the demo", ref)
		}
	}
}

// refFields lists the spec fields that point at other entities, with the
// kind a bare name defaults to ("" = must be qualified).
var refFields = map[string]string{
	"owner": "group", "system": "system", "domain": "domain", "subdomainOf": "domain",
	"subcomponentOf": "component", "dependsOn": "", "dependencyOf": "",
	"providesApis": "api", "consumesApis": "api",
	"memberOf": "group", "parent": "group", "children": "group", "members": "user",
}

func TestRefsResolve(t *testing.T) {
	c := mustWalk(t, demo.FS())
	defined := map[string]bool{}
	for _, d := range c.docs {
		defined[d.ref()] = true
	}
	for _, d := range c.docs {
		for field, defKind := range refFields {
			var refs []string
			switch v := d.spec()[field].(type) {
			case string:
				refs = []string{v}
			case []any:
				for _, r := range v {
					refs = append(refs, str(r))
				}
			}
			for _, r := range refs {
				ref, err := callboard.ParseRef(r, defKind, "")
				if err != nil {
					t.Errorf("%s spec.%s: %v", d.ref(), field, err)
					continue
				}
				if !defined[ref.String()] {
					t.Errorf("%s spec.%s: %s is not in the demo", d.ref(), field, ref)
				}
			}
		}
	}
}

// TestHierarchy checks that parent and children agree, and that users'
// memberOf points at groups that exist (checked above) both ways round.
func TestHierarchy(t *testing.T) {
	c := mustWalk(t, demo.FS())
	parentOf := map[string]string{}
	childrenOf := map[string][]string{}
	for _, d := range c.docs {
		if d.kind() != "Group" {
			continue
		}
		if p := str(d.spec()["parent"]); p != "" {
			parentOf[d.name()] = p
		}
		if _, ok := d.spec()["children"]; !ok {
			t.Errorf("group %s has no spec.children (required, may be empty)", d.name())
		}
		for _, ch := range d.spec()["children"].([]any) {
			childrenOf[d.name()] = append(childrenOf[d.name()], str(ch))
		}
	}
	for parent, children := range childrenOf {
		for _, ch := range children {
			if parentOf[ch] != parent {
				t.Errorf("group %s lists child %s, whose parent is %q", parent, ch, parentOf[ch])
			}
		}
	}
	for ch, parent := range parentOf {
		found := false
		for _, c := range childrenOf[parent] {
			found = found || c == ch
		}
		if !found {
			t.Errorf("group %s has parent %s, which does not list it in children", ch, parent)
		}
	}
}

// TestEveryFileReached checks that each file of the tree is read by
// something: a Location target, a $text substitution, or TechDocs (mkdocs.yml
// and docs/ next to an entity with backstage.io/techdocs-ref: dir:.).
func TestEveryFileReached(t *testing.T) {
	fsys := demo.FS()
	c := mustWalk(t, fsys)
	for _, d := range c.docs {
		dir := path.Dir(d.file)
		for key, v := range d.spec() {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for _, sub := range []string{"$text", "$yaml", "$json"} {
				if tg := str(m[sub]); tg != "" {
					p := path.Join(dir, tg)
					if _, err := fs.Stat(fsys, p); err != nil {
						t.Errorf("%s spec.%s: %s target %s: %v", d.ref(), key, sub, tg, err)
					}
					c.reached[p] = true
				}
			}
		}
		md, _ := d.body["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		if ref := str(ann["backstage.io/techdocs-ref"]); strings.HasPrefix(ref, "dir:") {
			root := path.Join(dir, strings.TrimPrefix(ref, "dir:"))
			if _, err := fs.Stat(fsys, path.Join(root, "mkdocs.yml")); err != nil {
				t.Errorf("%s: techdocs-ref %s has no mkdocs.yml: %v", d.ref(), ref, err)
			}
			c.reached[path.Join(root, "mkdocs.yml")] = true
			if err := fs.WalkDir(fsys, path.Join(root, "docs"), func(p string, de fs.DirEntry, err error) error {
				if err == nil && !de.IsDir() {
					c.reached[p] = true
				}
				return err
			}); err != nil {
				t.Errorf("%s: docs: %v", d.ref(), err)
			}
		}
		// A template's fetch steps reach their skeleton directories.
		spec, _ := d.body["spec"].(map[string]any)
		steps, _ := spec["steps"].([]any)
		for _, st := range steps {
			step, _ := st.(map[string]any)
			input, _ := step["input"].(map[string]any)
			url := str(input["url"])
			if !strings.HasPrefix(str(step["action"]), "fetch:") || !strings.HasPrefix(url, "./") {
				continue
			}
			if err := fs.WalkDir(fsys, path.Join(dir, url), func(p string, de fs.DirEntry, err error) error {
				if err == nil && !de.IsDir() {
					c.reached[p] = true
				}
				return err
			}); err != nil {
				t.Errorf("%s: step %v: %v", d.ref(), step["id"], err)
			}
		}
	}
	var unreached []string
	fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() && !c.reached[p] {
			unreached = append(unreached, p)
		}
		return err
	})
	sort.Strings(unreached)
	if len(unreached) > 0 {
		t.Errorf("files not reached from %s:\n%s", demo.Root, strings.Join(unreached, "\n"))
	}
}

func TestWriteTo(t *testing.T) {
	dir := t.TempDir()
	if err := demo.WriteTo(dir); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	want, err := fs.ReadFile(demo.FS(), "components/payment-service/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "components", "payment-service", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("copied openapi.yaml differs from the embedded one")
	}
	if _, err := os.Stat(filepath.Join(dir, demo.Root)); err != nil {
		t.Errorf("root Location not written: %v", err)
	}
	if err := demo.WriteTo(dir); err == nil {
		t.Errorf("second WriteTo into the same dir succeeded; want an error rather than overwriting edits")
	}
}
