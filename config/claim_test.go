package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"callboard/config"
)

func TestClaimedSectionsAreNotWarned(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app-config.yaml")
	yaml := "kubernetes: {clusterLocatorMethods: []}\npagerDuty: {apiBaseUrl: https://api.pagerduty.com}\nargocd: {waitCycles: 2}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load([]string{file}, func(string) string { return "" }, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	c.Claim("pagerDuty", "kubernetes.clusters", "grafana")
	if want := []string{"argocd: kept for a plugin; not used yet"}; !slices.Equal(c.Warnings, want) {
		t.Errorf("Warnings = %q, want %q", c.Warnings, want)
	}
}
