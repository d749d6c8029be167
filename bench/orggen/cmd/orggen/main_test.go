package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	dir := filepath.Join(t.TempDir(), "org")
	if err := run(t.Context(), []string{"-n", "50", "-out", dir}, &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "entities  50\n") {
		t.Errorf("output lacks the entity count:\n%s", out.String())
	}
	if err := run(t.Context(), []string{"-n", "50"}, &out); err == nil {
		t.Errorf("run without -out succeeded; want an error")
	}
}
