package catalog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/catalog"
)

// TestReadInRoot covers each outcome of ReadInRoot, the quick open that
// most reads take and the checks behind it alike.
func TestReadInRoot(t *testing.T) {
	outer := t.TempDir()
	root := filepath.Join(outer, "root")
	writeFile(t, filepath.Join(root, "a", "b", "file.yaml"), "ok\n")
	writeFile(t, filepath.Join(root, "big.yaml"), strings.Repeat("x", 100))
	writeFile(t, filepath.Join(outer, "secret.env"), "SECRET=1\n")
	mustSymlink(t, filepath.Join(root, "a", "b", "file.yaml"), filepath.Join(root, "inside.yaml"))
	mustSymlink(t, filepath.Join(outer, "secret.env"), filepath.Join(root, "outside.yaml"))
	mustSymlink(t, outer, filepath.Join(root, "up"))
	// Out of the root and back in: the real path is inside, as before.
	mustSymlink(t, filepath.Join("..", "root", "a", "b", "file.yaml"), filepath.Join(root, "roundtrip.yaml"))
	mustSymlink(t, filepath.Join(root, "missing.yaml"), filepath.Join(root, "dangling.yaml"))
	// A symlinked root reads through its real path.
	mustSymlink(t, root, filepath.Join(outer, "linked"))
	// A root that is "/" under another name still keeps /proc out.
	mustSymlink(t, "/", filepath.Join(outer, "slash"))
	if err := os.MkdirAll(filepath.Join(root, "dir.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, root, target string
		want               string         // the bytes read, when no error
		kind               callboard.Kind // the error's kind, when one
		msg                string         // part of its message
	}{
		{name: "nested file", root: root, target: "a/b/file.yaml", want: "ok\n"},
		{name: "symlink inside", root: root, target: "inside.yaml", want: "ok\n"},
		{name: "symlink out and back", root: root, target: "roundtrip.yaml", want: "ok\n"},
		{name: "symlinked root", root: filepath.Join(outer, "linked"), target: "a/b/file.yaml", want: "ok\n"},
		{name: "symlink outside", root: root, target: "outside.yaml", kind: callboard.Forbidden, msg: "outside.yaml leads outside the location's root ./ through a symlink"},
		{name: "symlinked dir outside", root: root, target: "up/secret.env", kind: callboard.Forbidden, msg: "through a symlink"},
		{name: "dot dot", root: root, target: "../secret.env", kind: callboard.Forbidden, msg: "outside the location's root"},
		{name: "missing", root: root, target: "nope.yaml", kind: callboard.NotFound, msg: "nope.yaml does not exist"},
		{name: "dangling symlink", root: root, target: "dangling.yaml", kind: callboard.NotFound, msg: "dangling.yaml does not exist"},
		{name: "directory", root: root, target: "dir.yaml", kind: callboard.Forbidden, msg: "dir.yaml is not a regular file"},
		{name: "system file under a symlinked /", root: filepath.Join(outer, "slash"), target: "proc/self/environ", kind: callboard.Forbidden, msg: "is a system file"},
		{name: "too large", root: root, target: "big.yaml", kind: callboard.Invalid, msg: "big.yaml is larger than 50 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := catalog.ReadInRoot(tc.root, tc.root, filepath.Join(tc.root, tc.target), 50)
			if tc.msg == "" {
				if err != nil || string(b) != tc.want {
					t.Fatalf("ReadInRoot = %q, %v; want %q", b, err, tc.want)
				}
				return
			}
			if err == nil || callboard.ErrorKind(err) != tc.kind || !strings.Contains(callboard.ErrorMessage(err), tc.msg) {
				t.Fatalf("ReadInRoot = %q, %v (kind %v); want kind %v and %q", b, err, callboard.ErrorKind(err), tc.kind, tc.msg)
			}
		})
	}
}
