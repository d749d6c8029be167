package scaffold

import (
	"os"
	"path/filepath"
	"testing"

	"callboard"
)

// TestPathEscapes tries to leave the workspace with ../, absolute paths
// and symbolic links.
func TestPathEscapes(t *testing.T) {
	outside := t.TempDir()
	ws, err := newWorkspace(filepath.Join(t.TempDir(), "ws"))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(ws, "sub"), 0o755))
	must(os.Symlink(outside, filepath.Join(ws, "out")))                         // a link leaving
	must(os.Symlink(filepath.Join(ws, "sub"), filepath.Join(ws, "in")))         // a link staying
	must(os.Symlink("../../..", filepath.Join(ws, "sub", "up")))                // a relative link leaving
	must(os.Symlink(filepath.Join(ws, "missing"), filepath.Join(ws, "dangle"))) // a link to nothing
	sc := &stepContext{workspace: ws}
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"", true},
		{"a/b.txt", true},
		{"sub/../c.txt", true},
		{"in/new.txt", true},
		{filepath.Join(ws, "abs.txt"), true},
		{"../x", false},
		{"sub/../../x", false},
		{"/etc/passwd", false},
		{"out", false},
		{"out/new/file.txt", false},
		{"sub/up/etc", false},
		{"dangle/x", false},
	} {
		got, err := sc.Path(tc.path)
		if tc.ok && err != nil {
			t.Errorf("Path(%q) = %v, want inside", tc.path, err)
		}
		if !tc.ok {
			if err == nil {
				t.Errorf("Path(%q) = %q, want an error", tc.path, got)
			} else if callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("Path(%q) kind = %v, want invalid", tc.path, callboard.ErrorKind(err))
			}
		}
	}
}

func TestMasker(t *testing.T) {
	m := newMasker(map[string]string{"a": "tok", "b": "token-long", "c": ""})
	if got := m.apply("x token-long tok y"); got != "x *** *** y" {
		t.Errorf("apply = %q", got)
	}
}
