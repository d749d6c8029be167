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

	"callboard/internal/pagerdutyfake"
)

// TestServePagerDuty runs serve with the built-in PagerDuty plugin against
// the fake: the section (token from the environment) enables it, the card
// shows on the annotated component, the policy file may name
// pagerduty.incident.create, a trigger is audited, and neither the token
// nor the integration key reaches the logs.
func TestServePagerDuty(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	dir := t.TempDir()
	catalog := strings.Replace(componentYAML("payments"), "  name: payments\n",
		"  name: payments\n  annotations:\n    pagerduty.com/service-id: PSVC001\n    pagerduty.com/integration-key: "+pagerdutyfake.IntegrationKey+"\n", 1)
	files := map[string]string{
		"catalog-info.yaml": catalog,
		"policy.yaml":       "rules:\n  - {permission: catalog.entity.read, decision: allow}\n  - {permission: pagerduty.incident.create, decision: allow}\n",
		"app-config.yaml": fmt.Sprintf(`backend:
  database: {client: better-sqlite3, connection: %s}
  auth:
    externalAccess: [{type: static, options: {token: `+pluginTestToken+`, subject: plugin-test}}]
catalog:
  locations: [{type: file, target: %s}]
permission:
  policyFile: %s
pagerDuty:
  apiBaseUrl: %s
  eventsBaseUrl: %s/v2
  apiToken: ${PAGERDUTY_TOKEN}
`, filepath.Join(dir, "cb.sqlite"), filepath.Join(dir, "catalog-info.yaml"), filepath.Join(dir, "policy.yaml"), pd.URL, pd.URL),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	getenv := func(k string) string {
		if k == "PAGERDUTY_TOKEN" {
			return pagerdutyfake.Token
		}
		return ""
	}
	go func() {
		done <- runWith(ctx, []string{"serve", "--config", filepath.Join(dir, "app-config.yaml"), "--port", "0"}, getenv, &stdout, &stderr, nil)
	}()
	base := ""
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		return base != ""
	}, &stderr)
	waitFor(t, "catalog ready", func() bool { return strings.Contains(stdout.String(), "catalog ready") }, &stderr)

	if status, body := getURL(t, base+"/catalog/default/component/payments"); status != 200 ||
		!strings.Contains(body, "Jane Doe") || !strings.Contains(body, "Checkout latency above 2s") {
		t.Errorf("entity page = %d without the PagerDuty card", status)
	}
	req, err := http.NewRequestWithContext(t.Context(), "POST", base+"/api/pagerduty/incidents/component/default/payments",
		strings.NewReader(`{"title": "from serve"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+pluginTestToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("trigger = %d, want 202", resp.StatusCode)
	}
	if ev := pd.Events(); len(ev) != 1 || ev[0].Payload.CustomDetails["triggered_by"] != "external:plugin-test" {
		t.Errorf("events = %+v, want one triggered by plugin-test", ev)
	}
	pd.Fail(http.StatusUnauthorized) // errors are not a way into the logs either
	getURL(t, base+"/catalog/default/component/payments")

	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	logs := stdout.String() + stderr.String()
	for _, secret := range []string{pagerdutyfake.Token, pagerdutyfake.IntegrationKey} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold a credential %q", secret)
		}
	}
}
