// Package compattest finds shared/compat, the Backstage reference data
// (examples, JSON schemas, templates) that tests read in place next to the
// repository. It is never copied into the repository.
package compattest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the absolute path of shared/compat (or of sub, a path inside
// it). When it is absent the test is skipped, except under CI=true, where
// its absence fails the test: CI must prove compatibility.
func Dir(t testing.TB, sub ...string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "compat")
	dir := filepath.Join(append([]string{root}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared/compat is missing at %s (%v): CI needs Backstage's reference data next to the repository", dir, err)
		}
		t.Skipf("shared/compat not found at %s", dir)
	}
	return dir
}
