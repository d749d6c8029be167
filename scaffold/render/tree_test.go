package render_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/scaffold/render"

	"github.com/google/go-cmp/cmp"
)

func skeletonValues() map[string]any {
	return map[string]any{
		"name":        "pay-svc",
		"description": "Payments",
		"enableKafka": true,
		"enableDb":    false,
		"envs":        []any{"dev", "prod"},
		"port":        float64(8080),
		"public":      false,
	}
}

// readTree returns every regular file under dir, by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			files[filepath.ToSlash(rel)] = "-> " + target
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func mustTree(t *testing.T, src string, opts render.TreeOptions) (string, []string) {
	t.Helper()
	dst := t.TempDir()
	written, err := render.Tree(os.DirFS(src), dst, opts)
	if err != nil {
		t.Fatalf("Tree(%s): %v", src, err)
	}
	return dst, written
}

func TestTree(t *testing.T) {
	dst, written := mustTree(t, "testdata/skeleton", render.TreeOptions{
		Values:                skeletonValues(),
		CopyWithoutTemplating: []string{".github/workflows/*"},
	})
	got := readTree(t, dst)
	png, _ := os.ReadFile("testdata/skeleton/logo.png")
	want := map[string]string{
		"README.md": "# pay-svc\n\nPayments\n\nKafka: enabled\n\nEnvironments:\n- dev\n- prod (last)\n" +
			"Port: 8080, public: false\nLiteral: {{ not.a.template }} ${NOT_TEMPLATE}\n",
		"pay-svc/main.go":          "// Package main is paysvc.\npackage main\n",
		".github/workflows/ci.yml": "name: ci\non: push\njobs:\n  build:\n    steps:\n      - run: echo ${{ github.sha }}\n",
		"bin/run.sh":               "#!/bin/sh\necho pay-svc\n",
		"logo.png":                 string(png),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rendered tree mismatch (-want +got):\n%s", diff)
	}
	wantWritten := []string{".github/workflows/ci.yml", "README.md", "bin/run.sh", "logo.png", "pay-svc/main.go"} // sorted
	if diff := cmp.Diff(wantWritten, written); diff != "" {
		t.Errorf("written mismatch (-want +got):\n%s", diff)
	}
	info, err := os.Stat(filepath.Join(dst, "bin/run.sh"))
	if err != nil || info.Mode().Perm()&0o100 == 0 {
		t.Errorf("bin/run.sh mode = %v (%v), want executable kept", info.Mode(), err)
	}
}

func TestTreeConditionalDirectory(t *testing.T) {
	v := skeletonValues()
	v["enableDb"] = true
	dst, _ := mustTree(t, "testdata/skeleton", render.TreeOptions{Values: v})
	got := readTree(t, dst)
	if want := "CREATE TABLE pay_svc (id int);\n"; got["db/schema.sql"] != want {
		t.Errorf("db/schema.sql = %q, want %q", got["db/schema.sql"], want)
	}
	// Without copyWithoutTemplating the workflow is rendered, and the
	// undefined github.sha prints nothing, as in Nunjucks.
	if want := "      - run: echo \n"; !strings.HasSuffix(got[".github/workflows/ci.yml"], want) {
		t.Errorf("ci.yml = %q, want it to end with %q", got[".github/workflows/ci.yml"], want)
	}
}

func TestTreeTemplateFileExtension(t *testing.T) {
	ext, err := render.TemplateExtension(true)
	if err != nil || ext != ".njk" {
		t.Fatalf("TemplateExtension(true) = %q, %v", ext, err)
	}
	dst, _ := mustTree(t, "testdata/njk", render.TreeOptions{Values: skeletonValues(), TemplateFileExtension: ext})
	want := map[string]string{
		"config.yaml":       "name: pay-svc\n",
		"plain.txt":         "kept: ${{ values.name }}\n",
		"pay-svc/notes.txt": "x\n",
	}
	if diff := cmp.Diff(want, readTree(t, dst)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	for in, want := range map[any]string{"tmpl": ".tmpl", ".j2": ".j2", false: "", nil: ""} {
		if got, err := render.TemplateExtension(in); err != nil || got != want {
			t.Errorf("TemplateExtension(%v) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := render.TemplateExtension(3); err == nil {
		t.Error("TemplateExtension(3) succeeded, want an error")
	}
}

func TestTreeReplace(t *testing.T) {
	for _, replace := range []bool{false, true} {
		dst := t.TempDir()
		if err := os.WriteFile(filepath.Join(dst, "README.md"), []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		written, err := render.Tree(os.DirFS("testdata/skeleton"), dst, render.TreeOptions{Values: skeletonValues(), Replace: replace})
		if err != nil {
			t.Fatal(err)
		}
		got := readTree(t, dst)["README.md"]
		if replaced := got != "old\n"; replaced != replace {
			t.Errorf("Replace=%v: README.md = %q", replace, got)
		}
		if in := contains(written, "README.md"); in != replace {
			t.Errorf("Replace=%v: written %v", replace, written)
		}
	}
}

func TestTreeCookiecutter(t *testing.T) {
	src := t.TempDir()
	write(t, src, "{{ cookiecutter.name }}/info.json", `{"name": {{ cookiecutter.name | jsonify }}, "tags": {{ cookiecutter.tags | jsonify }}, "raw": "${{ x }}"}`+"\n")
	dst, _ := mustTree(t, src, render.TreeOptions{Values: map[string]any{"name": "a\"b", "tags": []any{"x", "y"}}, CookiecutterCompat: true})
	want := map[string]string{`a"b/info.json`: `{"name": "a\"b", "tags": ["x","y"], "raw": "$"}` + "\n"}
	if diff := cmp.Diff(want, readTree(t, dst)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestTreeErrorNamesFileAndLine(t *testing.T) {
	src := t.TempDir()
	write(t, src, "docs/bad.md", "one\ntwo\n${{ values.name | nosuch }}\n")
	_, err := render.Tree(os.DirFS(src), t.TempDir(), render.TreeOptions{Values: skeletonValues()})
	if err == nil || !strings.Contains(err.Error(), "docs/bad.md") || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("Tree error = %v, want it to name docs/bad.md, line 3 and the filter", err)
	}
	if callboard.ErrorKind(err) != callboard.Invalid {
		t.Errorf("kind = %v, want Invalid", callboard.ErrorKind(err))
	}
}

// TestTreeStaysInside tries to write outside dst through rendered names and
// symlinks, in src and in dst.
func TestTreeStaysInside(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, src, dst string)
		ok    bool // no error expected (the entry is skipped or kept inside)
	}{
		{"dotdot name", func(t *testing.T, src, dst string) { write(t, src, "${{ values.evil }}", "x") }, false},
		{"dotdot directory", func(t *testing.T, src, dst string) { write(t, src, "a/${{ values.up }}/f.txt", "x") }, false},
		{"absolute name is skipped", func(t *testing.T, src, dst string) { write(t, src, "${{ values.abs }}", "x") }, true},
		{"symlink out of src", func(t *testing.T, src, dst string) { symlink(t, "../../../outside.txt", filepath.Join(src, "evil")) }, false},
		{"absolute symlink", func(t *testing.T, src, dst string) { symlink(t, "/etc/passwd", filepath.Join(src, "passwd")) }, false},
		{"symlinked directory", func(t *testing.T, src, dst string) { symlink(t, "/etc", filepath.Join(src, "etc")) }, false},
		{"symlink in dst", func(t *testing.T, src, dst string) {
			write(t, src, "out/f.txt", "x")
			symlink(t, filepath.Join(filepath.Dir(dst), "outside"), filepath.Join(dst, "out"))
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			src, dst := filepath.Join(base, "src"), filepath.Join(base, "work", "dst")
			for _, d := range []string{src, dst, filepath.Join(base, "work", "outside")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			tc.setup(t, src, dst)
			before := readTree(t, base)
			values := map[string]any{"evil": "../../outside.txt", "up": "../..", "abs": filepath.Join(base, "abs.txt")}
			_, err := render.Tree(os.DirFS(src), dst, render.TreeOptions{Values: values})
			if tc.ok && err != nil {
				t.Fatalf("Tree: %v", err)
			}
			if !tc.ok && err == nil {
				t.Fatal("Tree succeeded, want an error")
			}
			after := readTree(t, base)
			for p := range after {
				if _, had := before[p]; !had && !strings.HasPrefix(p, "work/dst/") {
					t.Errorf("Tree wrote %s outside dst", p)
				}
			}
		})
	}
}

func TestTreeInternalSymlinkKept(t *testing.T) {
	src := t.TempDir()
	write(t, src, "docs/README.md", "# ${{ values.name }}\n")
	symlink(t, "docs/README.md", filepath.Join(src, "README.md"))
	dst, written := mustTree(t, src, render.TreeOptions{Values: skeletonValues()})
	want := map[string]string{"docs/README.md": "# pay-svc\n", "README.md": "-> docs/README.md"}
	if diff := cmp.Diff(want, readTree(t, dst)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if !contains(written, "README.md") {
		t.Errorf("written = %v, want the link", written)
	}
}

func TestTreeBadGlob(t *testing.T) {
	_, err := render.Tree(os.DirFS("testdata/skeleton"), t.TempDir(), render.TreeOptions{CopyWithoutTemplating: []string{"[unclosed"}})
	if err == nil || !strings.Contains(err.Error(), "[unclosed") {
		t.Errorf("Tree error = %v, want the bad pattern named", err)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil && !errors.Is(err, fs.ErrExist) {
		t.Fatal(err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
