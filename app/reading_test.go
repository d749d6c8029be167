package app

import (
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard/config"
	"callboard/descriptor"
)

// mustLoadConfig writes yaml to app-config.yaml in a temp dir and loads it.
func mustLoadConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	file := filepath.Join(t.TempDir(), "app-config.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{file}, func(string) string { return "" }, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCatalogOptionsReadingAndLimits: backend.reading.allow entries keep
// their port and paths, and catalog.limits reaches the catalog.
func TestCatalogOptionsReadingAndLimits(t *testing.T) {
	cfg := mustLoadConfig(t, `backend:
  reading:
    allow:
      - host: example.local
      - host: git.example.local:8080
        paths: [/org/]
catalog:
  limits: {maxPlaceholdersPerEntity: 20, maxEntityBytes: 2MiB}
`)
	opts, err := catalogOptions(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Limits.MaxPlaceholders != 20 || opts.Limits.MaxBytes != 2<<20 {
		t.Errorf("Limits = %+v, want 20 and 2 MiB", opts.Limits)
	}
	for u, want := range map[string]bool{
		"https://github.com/o/r/blob/main/catalog-info.yaml":  true,
		"http://example.local/catalog-info.yaml":              true,
		"http://example.local:8080/catalog-info.yaml":         false,
		"http://git.example.local:8080/org/catalog-info.yaml": true,
		"http://git.example.local:8080/admin/x":               false,
		"http://git.example.local/org/catalog-info.yaml":      false,
	} {
		pu, _ := url.Parse(u)
		if got := opts.Reader.URLs.Allows(pu); got != want {
			t.Errorf("allows %s = %v, want %v", u, got, want)
		}
	}
}

func TestCatalogOptionsBadReadingAllow(t *testing.T) {
	cfg := mustLoadConfig(t, `backend:
  reading:
    allow:
      - host: example.local
      - host: https://example.local/
      - host: example.local:70000
        paths: [org/]
`)
	_, err := catalogOptions(cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`app-config.yaml:5: backend.reading.allow[1]: host "https://example.local/": want a host name such as example.com or example.com:8080, not a URL or path`,
		`app-config.yaml:6: backend.reading.allow[2]: host "example.local:70000": want a port between 1 and 65535`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %q, want %q", err, want)
		}
	}
}

// TestCatalogLimitsDefaults keeps config's defaults (config does not import
// descriptor) equal to descriptor's.
func TestCatalogLimitsDefaults(t *testing.T) {
	l := config.Default().Catalog.Limits
	if l.MaxPlaceholdersPerEntity != descriptor.DefaultMaxPlaceholders || int64(l.MaxEntityBytes) != descriptor.DefaultMaxBytes {
		t.Errorf("config defaults %+v, descriptor defaults %d and %d", l, descriptor.DefaultMaxPlaceholders, descriptor.DefaultMaxBytes)
	}
}
