//go:build unix

package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAttackValidatePlaceholderFIFO: a FIFO named by a placeholder would
// block validate (in CI) forever; it is refused at once.
func TestAttackValidatePlaceholderFIFO(t *testing.T) {
	repo := writeFiles(t, map[string]string{"catalog-info.yaml": goodComponent})
	if err := os.Mkdir(filepath.Join(repo, "api"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(repo, "api", "openapi.yaml"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	var stdout, stderr bytes.Buffer
	if err := runValidate(t.Context(), []string{repo}, &stdout, &stderr); err != errSilent {
		t.Fatalf("runValidate error = %v, want errSilent\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "refused: api/openapi.yaml is not a regular file") {
		t.Errorf("stdout = %s, want the FIFO refused", stdout.String())
	}
}
