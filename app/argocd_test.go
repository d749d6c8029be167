package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"callboard/internal/argocdfake"
)

// TestServeArgoCD runs serve with the built-in Argo CD plugin against the
// fake: the card and the tab show on the annotated entity, and neither the
// pages nor serve's log carry the token, even when Argo CD fails with
// messages that repeat it.
func TestServeArgoCD(t *testing.T) {
	api := argocdfake.NewServer(t)
	api.Add(argocdfake.Sample("payment-service-prod", "https://github.com/lanting/payment-service.git", nil, time.Now()))
	dir := t.TempDir()
	files := map[string]string{
		"catalog-info.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payment-service
  annotations: {argocd/app-name: payment-service-prod}
spec: {type: service, lifecycle: production, owner: group:default/payments}
`,
		"app-config.yaml": fmt.Sprintf(`backend:
  database: {client: better-sqlite3, connection: %s}
  auth:
    externalAccess: [{type: static, options: {token: %s, subject: plugin-test}}]
catalog:
  locations: [{type: file, target: %s}]
argocd:
  baseUrl: %s
  token: %s
  cacheTtl: 0s
`, filepath.Join(dir, "cb.sqlite"), pluginTestToken, filepath.Join(dir, "catalog-info.yaml"), api.URL, argocdfake.Token),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"serve", "--config", filepath.Join(dir, "app-config.yaml"), "--port", "0"}, func(string) string { return "" }, &stdout, &stderr, nil)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	base := ""
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		return base != ""
	}, &stderr)
	waitFor(t, "catalog ready", func() bool { return strings.Contains(stdout.String(), "catalog ready") }, &stderr)

	tests := []struct {
		name, path string
		want       string
	}{
		{"card", "/catalog/default/component/payment-service", "payment-service-prod"},
		{"tab", "/catalog/default/component/payment-service/argocd", "automated sync"},
		{"route", "/api/argocd/applications/component/default/payment-service", `"sync":"Synced"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := getURL(t, base+tc.path)
			if status != http.StatusOK || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s = %d, want 200 with %q; body:\n%.2000s", tc.path, status, tc.want, body)
			}
		})
	}

	api.EchoCredentials(true)
	api.FailWith(http.StatusInternalServerError)
	for _, path := range []string{"/catalog/default/component/payment-service", "/api/argocd/applications/component/default/payment-service"} {
		_, body := getURL(t, base+path)
		if !strings.Contains(body, "answered 500") || strings.Contains(body, argocdfake.Token) {
			t.Errorf("GET %s with a failing Argo CD: want the failure without the token; body:\n%.2000s", path, body)
		}
	}
	if log := stdout.String() + stderr.String(); strings.Contains(log, argocdfake.Token) {
		t.Errorf("serve's log holds the Argo CD token:\n%s", log)
	}
}
