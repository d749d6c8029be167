package descriptor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/descriptor"
)

const apiWithPlaceholders = `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: petstore
  description:
    $text: ./docs/description.txt
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./openapi.yaml
  extra:
    fromJSON:
      $json: ./data.json
    fromYAML:
      $yaml: ../shared/values.yaml
    schema:
      $ref: "#/definitions/node"
    mixed:
      $text: ./ignored
      other: kept
`

// writeTree writes files under a temp dir and returns its absolute path.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestResolvePlaceholdersFile(t *testing.T) {
	root := writeTree(t, map[string]string{
		"svc/catalog-info.yaml":    apiWithPlaceholders,
		"svc/docs/description.txt": "Sells pets.",
		"svc/openapi.yaml":         "openapi: 3.0.0\n",
		"svc/data.json":            `{"n": 1, "list": ["a"]}`,
		"shared/values.yaml":       "date: 2021-01-01\ncount: 2\n",
	})
	base := filepath.Join(root, "svc", "catalog-info.yaml")
	d := mustParseOne(t, apiWithPlaceholders)
	if ps := descriptor.ResolvePlaceholders(t.Context(), d, base, diskReader(root), nil); len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	e, ps := descriptor.Validate(d)
	if len(ps) > 0 {
		t.Fatalf("Validate problems: %v", ps)
	}
	if got := e.Metadata.Description; got != "Sells pets." {
		t.Errorf("description = %q", got)
	}
	if got := e.SpecString("definition"); got != "openapi: 3.0.0\n" {
		t.Errorf("definition = %q", got)
	}
	want := map[string]any{
		"fromJSON": map[string]any{"n": 1.0, "list": []any{"a"}},
		"fromYAML": map[string]any{"date": "2021-01-01", "count": 2.0},
		// Other $-keys and mixed objects are left alone, as Backstage does.
		"schema": map[string]any{"$ref": "#/definitions/node"},
		"mixed":  map[string]any{"$text": "./ignored", "other": "kept"},
	}
	if diff := cmp.Diff(want, e.Spec["extra"]); diff != "" {
		t.Errorf("spec.extra mismatch (-want +got):\n%s", diff)
	}
}

func TestResolvePlaceholdersURL(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		switch r.URL.Path {
		case "/repo/svc/openapi.yaml":
			w.Write([]byte("openapi: 3.1.0\n"))
		case "/other/values.yaml":
			w.Write([]byte("a: [1, 2]\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	read := func(ctx context.Context, target string) ([]byte, error) {
		if !strings.HasPrefix(target, srv.URL+"/") {
			return nil, callboard.Errorf(callboard.Forbidden, "host of %s is not allowed", target)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return nil, callboard.Errorf(callboard.NotFound, "%s not found", target)
		}
		var b strings.Builder
		buf := make([]byte, 512)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return []byte(b.String()), nil
	}
	d := mustParseOne(t, `spec:
  definition: {$text: ./openapi.yaml}
  values: {$yaml: "`+srv.URL+`/other/values.yaml"}
  elsewhere: {$text: "https://evil.example/x"}
  missing: {$text: ./nope.yaml}
`)
	ps := descriptor.ResolvePlaceholders(t.Context(), d, srv.URL+"/repo/svc/catalog-info.yaml", read, nil)
	want := map[string]any{"definition": "openapi: 3.1.0\n", "values": map[string]any{"a": []any{1.0, 2.0}}}
	if diff := cmp.Diff(want, d.Raw["spec"]); diff != "" {
		t.Errorf("spec mismatch (-want +got):\n%s", diff)
	}
	var fields []string
	for _, p := range ps {
		fields = append(fields, p.Field)
		if p.Line == 0 {
			t.Errorf("problem without line: %s", p)
		}
	}
	if diff := cmp.Diff([]string{"spec.elsewhere", "spec.missing"}, slices.Sorted(slices.Values(fields))); diff != "" {
		t.Errorf("problem fields mismatch (-want +got):\n%s", diff)
	}
}

func TestResolvePlaceholdersFailure(t *testing.T) {
	src := `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: petstore
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./gone.yaml
  list:
    - {$json: ./broken.json}
    - keep
`
	root := writeTree(t, map[string]string{"broken.json": "{not json"})
	base := filepath.Join(root, "catalog-info.yaml")
	prev := &callboard.Entity{Spec: map[string]any{"definition": "openapi: old\n"}}

	tests := []struct {
		name       string
		prev       *callboard.Entity
		wantDef    any
		wantHasDef bool
		wantMsg    string
	}{
		{name: "with a previous value", prev: prev, wantDef: "openapi: old\n", wantHasDef: true, wantMsg: "kept the last good value"},
		{name: "without a previous value", prev: nil, wantHasDef: false, wantMsg: "does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParseOne(t, src)
			ps := descriptor.ResolvePlaceholders(t.Context(), d, base, diskReader(root), tc.prev)
			if len(ps) != 2 {
				t.Fatalf("got %d problems, want 2: %v", len(ps), ps)
			}
			byField := map[string]descriptor.Problem{}
			for _, p := range ps {
				byField[p.Field] = p
			}
			def, ok := byField["spec.definition"]
			if !ok || def.Line != 9 || !strings.Contains(def.Message, tc.wantMsg) {
				t.Errorf("spec.definition problem = %+v, want line 9 and %q", def, tc.wantMsg)
			}
			if p, ok := byField["spec.list[0]"]; !ok || !strings.Contains(p.Message, "not valid JSON") {
				t.Errorf("spec.list[0] problem = %+v", p)
			}
			spec := d.Raw["spec"].(map[string]any)
			got, has := spec["definition"]
			if has != tc.wantHasDef || got != tc.wantDef {
				t.Errorf("spec.definition = %v (present %v), want %v (present %v)", got, has, tc.wantDef, tc.wantHasDef)
			}
			if diff := cmp.Diff([]any{nil, "keep"}, spec["list"]); diff != "" {
				t.Errorf("spec.list mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolvePlaceholdersSkip(t *testing.T) {
	d := mustParseOne(t, `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: remote
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: https://example.com/openapi.yaml
`)
	skip := func(context.Context, string) ([]byte, error) { return nil, descriptor.ErrSkip }
	if ps := descriptor.ResolvePlaceholders(t.Context(), d, "/repo/catalog-info.yaml", skip, nil); len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	wantSkipped := []descriptor.Skipped{{Field: "spec.definition", Key: "$text", Target: "https://example.com/openapi.yaml"}}
	if diff := cmp.Diff(wantSkipped, d.Skipped()); diff != "" {
		t.Errorf("Skipped mismatch (-want +got):\n%s", diff)
	}
	e, ps := descriptor.Validate(d)
	if len(ps) > 0 {
		t.Fatalf("Validate problems: %v", ps)
	}
	if _, ok := e.Spec["definition"]; !ok {
		t.Errorf("skipped placeholder dropped from spec: %v", e.Spec)
	}
}
