package docsync_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard/config"
	"callboard/techdocs/docsync"
)

func loadConfig(t *testing.T, yaml string) *config.Config {
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

// TestSanitizerConfig: techdocs.sanitizer.allowedIframeHosts takes hosts
// and Backstage's {src} objects; the reader's sanitizer keeps exactly
// their iframes.
func TestSanitizerConfig(t *testing.T) {
	tc, err := docsync.ReadConfig(loadConfig(t, `techdocs:
  sanitizer:
    allowedIframeHosts:
      - www.youtube.com
      - src: https://docs.google.com/presentation/
    allowedCustomElementTagNameRegExp: '^backstage-'
`), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := tc.Sanitizer.Sanitizer()
	for html, keep := range map[string]bool{
		`<iframe src="https://www.youtube.com/embed/x"></iframe>`:          true,
		`<iframe src="https://docs.google.com/presentation/d/1"></iframe>`: true,
		`<iframe src="https://evil.example/"></iframe>`:                    false,
	} {
		if got := strings.Contains(string(s.Sanitize([]byte(html))), "<iframe"); got != keep {
			t.Errorf("%s kept=%v, want %v", html, got, keep)
		}
	}

	_, err = docsync.ReadConfig(loadConfig(t, `techdocs:
  sanitizer:
    allowedIframeHosts:
      - www.youtube.com
      - https://evil.example/embed
`), slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), `app-config.yaml:5: techdocs.sanitizer.allowedIframeHosts[1]: "https://evil.example/embed" is not a host`) {
		t.Errorf("err = %v", err)
	}
}
