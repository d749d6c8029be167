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

	"callboard/internal/githubfake"
	"callboard/store/storetest"
)

const (
	discoveryRan     = `msg="github discovery"`
	discoverySkipped = `msg="provider run skipped: another replica holds its lease" plugin=github provider=github-provider:acme`
)

// TestServeReplicasShareProviderLease runs callboard serve as replicas of
// one PostgreSQL database with the same GitHub discovery provider: the
// second replica's first tick is skipped (A holds the lease) and makes no
// discovery requests, yet serves what A found; when A stops it releases
// the lease and a third replica runs at once.
func TestServeReplicasShareProviderLease(t *testing.T) {
	var dsn string
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			_, dsn = b.DSN(t)
		}
	}
	if dsn == "" {
		t.Skip("needs PostgreSQL: set " + storetest.EnvPostgresURL)
	}
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc-a", map[string]string{"catalog-info.yaml": componentYAML("svc-a")}, githubfake.RepoOptions{})
	s.AddRepo("acme", "svc-b", map[string]string{"catalog-info.yaml": componentYAML("svc-b")}, githubfake.RepoOptions{})
	cfg := fmt.Sprintf(`
backend:
  database: {client: pg, connection: '%s'}
  auth:
    externalAccess: [{type: static, options: {token: reader-token, subject: reader}}]
catalog:
  rules: [{allow: [Component, Location]}]
  providers:
    github:
      acme:
        organization: acme
        host: %s
        schedule: {frequency: {minutes: 30}, timeout: PT5M}
integrations:
  github:
    - host: %s
      apiBaseUrl: %s
      token: ${GH_TOKEN}
`, dsn, s.Host(), s.Host(), s.APIURL())
	path := filepath.Join(t.TempDir(), "app-config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GH_TOKEN": githubfake.Token, "LOG_LEVEL": "debug"}

	a := startTestReplica(t, path, env)
	waitFor(t, "replica A's discovery run", func() bool { return strings.Contains(a.stderr.String(), discoveryRan) }, a.stderr)
	b := startTestReplica(t, path, env)
	waitFor(t, "replica B's skipped tick", func() bool { return strings.Contains(b.stderr.String(), discoverySkipped) }, b.stderr)
	if strings.Contains(b.stderr.String(), discoveryRan) {
		t.Errorf("replica B ran discovery while A held the lease; stderr:\n%s", b.stderr)
	}
	if strings.Contains(a.stderr.String(), "provider run skipped") {
		t.Errorf("replica A skipped its first tick; stderr:\n%s", a.stderr)
	}
	// B serves what A discovered: the catalog is the shared database.
	waitFor(t, "svc-b on replica B", func() bool { return b.status("/api/catalog/entities/by-name/component/default/svc-b") == http.StatusOK }, b.stderr)

	a.stop()
	c := startTestReplica(t, path, env)
	waitFor(t, "replica C's run after A released the lease", func() bool { return strings.Contains(c.stderr.String(), discoveryRan) }, c.stderr)
}

type serveReplica struct {
	base           string
	stdout, stderr *syncBuffer
	stop           func()
}

func startTestReplica(t *testing.T, config string, env map[string]string) *serveReplica {
	t.Helper()
	r := &serveReplica{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", config, "--port", "0"}, func(k string) string { return env[k] }, r.stdout, r.stderr)
	}()
	stopped := false
	r.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(r.stop)
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "server start", func() bool {
		m := re.FindStringSubmatch(r.stdout.String())
		if m != nil {
			r.base = m[1]
		}
		return m != nil
	}, r.stderr)
	return r
}

// status reads path with a token: outside dev mode reads need a caller.
func (r *serveReplica) status(path string) int {
	req, _ := http.NewRequest(http.MethodGet, r.base+path, nil)
	req.Header.Set("Authorization", "Bearer reader-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
