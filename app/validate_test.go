package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const goodComponent = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./api/openapi.yaml
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: remote-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: https://example.com/openapi.yaml
`

const badComponent = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: my service!
spec:
  type: service
  lifecycle: production
`

// writeFiles writes files under a temp dir and returns its path.
func writeFiles(t *testing.T, files map[string]string) string {
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

func TestValidateCommandText(t *testing.T) {
	root := writeFiles(t, map[string]string{
		"good/catalog-info.yaml":         goodComponent,
		"good/api/openapi.yaml":          "openapi: 3.0.0\n", // not a descriptor: skipped by the walk
		"bad/catalog-info.yml":           badComponent,
		"bad/k8s/deployment.yaml":        "apiVersion: apps/v1\nkind: Deployment\n",
		"bad/entities/extra.yaml":        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team}\n",
		"bad/.git/catalog-info.yaml":     badComponent,
		"bad/skeleton/catalog-info.yaml": badComponent,
	})
	tests := []struct {
		name      string
		args      []string
		wantErr   bool
		wantLines []string
	}{
		{
			name: "good directory",
			args: []string{filepath.Join(root, "good")},
			wantLines: []string{
				filepath.Join(root, "good/catalog-info.yaml") + ":29: spec.definition: note: https://example.com/openapi.yaml was not fetched (validate reads no URLs)",
				"checked 1 file, 3 entities: 0 problems",
			},
		},
		{
			name:    "bad directory",
			args:    []string{filepath.Join(root, "bad")},
			wantErr: true,
			wantLines: []string{
				filepath.Join(root, "bad/catalog-info.yml") + `:4: metadata.name: "my service!" is not valid; names are 1-63 characters of [a-zA-Z0-9], with [-_.] between them`,
				filepath.Join(root, "bad/catalog-info.yml") + ":5: spec.owner: is required for kind Component; name the group, e.g. owner: team-a",
				filepath.Join(root, "bad/entities/extra.yaml") + ":4: spec.children: is required for kind Group; list group references, or write children: [] for none",
				"checked 2 files, 2 entities: 3 problems",
			},
		},
		{
			name:    "missing path",
			args:    []string{filepath.Join(root, "nope.yaml")},
			wantErr: true,
			wantLines: []string{
				filepath.Join(root, "nope.yaml") + ": cannot read: no such file or directory",
				"checked 0 files, 0 entities: 1 problem",
			},
		},
		{
			name:      "explicit non-descriptor file is checked",
			args:      []string{filepath.Join(root, "bad/k8s/deployment.yaml")},
			wantErr:   true,
			wantLines: nil, // checked below by prefix only
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runValidate(t.Context(), tc.args, &stdout, &stderr)
			if (err != nil) != tc.wantErr {
				t.Fatalf("runValidate error = %v, want error %v\n%s", err, tc.wantErr, stdout.String())
			}
			if err != nil && err != errSilent {
				t.Errorf("runValidate error = %v, want errSilent", err)
			}
			if tc.wantLines == nil {
				if !strings.Contains(stdout.String(), `kind "Deployment" is not supported`) {
					t.Errorf("stdout = %q, want an unsupported kind", stdout.String())
				}
				return
			}
			got := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if diff := cmp.Diff(tc.wantLines, got); diff != "" {
				t.Errorf("stdout mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateCommandJSON(t *testing.T) {
	root := writeFiles(t, map[string]string{
		"a/catalog-info.yaml": goodComponent,
		"a/api/openapi.yaml":  "openapi: 3.0.0\n",
		"b/catalog-info.yaml": badComponent + "---\n" + strings.Replace(goodComponent, "./api/openapi.yaml", "../a/api/openapi.yaml", 1),
	})
	var stdout, stderr bytes.Buffer
	err := runValidate(t.Context(), []string{"--format", "json", filepath.Join(root, "a"), filepath.Join(root, "b")}, &stdout, &stderr)
	if err != errSilent {
		t.Fatalf("runValidate error = %v, want errSilent", err)
	}
	var got struct {
		Files    int `json:"files"`
		Entities int `json:"entities"`
		Problems []struct {
			File, Field, Message string
			Line                 int
		} `json:"problems"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	if got.Files != 2 || got.Entities != 7 {
		t.Errorf("files, entities = %d, %d, want 2, 7", got.Files, got.Entities)
	}
	var fields []string
	for _, p := range got.Problems {
		fields = append(fields, p.Field)
	}
	// b's copy redefines a's entities, and its placeholder points outside b.
	want := []string{"metadata.name", "spec.owner", "metadata.name", "spec.definition", "metadata.name"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("problem fields mismatch (-want +got):\n%s\n%s", diff, stdout.String())
	}
}

func TestValidateCommandUsage(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr bool
	}{
		{"no paths", nil, true},
		{"bad format", []string{"--format", "xml", "."}, true},
		{"unknown flag", []string{"--strict", "."}, true},
		{"help", []string{"-h"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runValidate(t.Context(), tc.args, &stdout, &stderr)
			if (err != nil) != tc.wantErr {
				t.Errorf("runValidate error = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

// TestValidateRepoRootAllowsSiblingDir: placeholders read anywhere in the
// repository (the nearest directory holding .git), so .backstage/ may
// read ../api-spec/.
func TestValidateRepoRootAllowsSiblingDir(t *testing.T) {
	for _, gitDir := range []string{".git/HEAD", ".git"} { // a clone, and a worktree's .git file
		t.Run(gitDir, func(t *testing.T) {
			repo := writeFiles(t, map[string]string{
				gitDir:                         "ref: refs/heads/main\n",
				".backstage/catalog-info.yaml": strings.Replace(goodComponent, "./api/openapi.yaml", "../api-spec/openapi.yaml", 1),
				"api-spec/openapi.yaml":        "openapi: 3.0.0\n",
			})
			for _, arg := range []string{filepath.Join(repo, ".backstage"), filepath.Join(repo, ".backstage", "catalog-info.yaml")} {
				var stdout, stderr bytes.Buffer
				if err := runValidate(t.Context(), []string{arg}, &stdout, &stderr); err != nil {
					t.Errorf("validate %s: %v\n%s", arg, err, stdout.String())
				}
			}
		})
	}
}

// TestValidateRefusesPlaceholdersOutsideRepo: validate runs on pull
// requests; the wider root (the repository) still stops at its edge.
func TestValidateRefusesPlaceholdersOutsideRepo(t *testing.T) {
	outer := t.TempDir()
	if err := os.WriteFile(filepath.Join(outer, "secret.env"), []byte("TOKEN=hunter2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, target, want string
	}{
		{"dot dot", "../../secret.env", "is outside the repository"},
		{"absolute", filepath.Join(outer, "secret.env"), "refused: an absolute path"},
		{"proc", "/proc/self/environ", "refused: an absolute path"},
		{"symlink", "./link.env", "leads outside the location's root ./ through a symlink"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			repo := filepath.Join(outer, "repo-"+strings.ReplaceAll(tc.name, " ", "-"))
			files := map[string]string{
				".git/HEAD":         "ref: refs/heads/main\n",
				"catalog-info.yaml": strings.Replace(goodComponent, "./api/openapi.yaml", tc.target, 1),
			}
			for name, body := range files {
				p := filepath.Join(repo, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(filepath.Join(outer, "secret.env"), filepath.Join(repo, "link.env")); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			err := runValidate(t.Context(), []string{"--format", "json", repo}, &stdout, &stderr)
			if err != errSilent {
				t.Fatalf("runValidate error = %v, want errSilent\n%s", err, stdout.String())
			}
			out := stdout.String()
			if strings.Contains(out, "hunter2") {
				t.Errorf("the report holds the secret:\n%s", out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("report = %s, want %q", out, tc.want)
			}
		})
	}
}
