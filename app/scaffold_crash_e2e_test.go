package app

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"callboard/internal/githubfake"
)

// childConfig names the app-config.yaml TestServeChild serves with.
const childConfig = "CALLBOARD_E2E_CHILD_CONFIG"

// TestServeChild is `callboard serve` in a process of its own, which
// TestScaffoldE2ECrash kills; it does nothing in a normal test run.
func TestServeChild(t *testing.T) {
	cfg := os.Getenv(childConfig)
	if cfg == "" {
		t.Skip("run by TestScaffoldE2ECrash only")
	}
	env := map[string]string{"GH_TOKEN": githubfake.Token}
	err := run(t.Context(), []string{"serve", "--config", cfg, "--port", "0"}, func(k string) string { return env[k] }, os.Stdout, os.Stderr)
	t.Fatalf("serve returned: %v", err)
}

// TestScaffoldE2ECrash kills (SIGKILL) a serve process while its task waits
// in debug:wait, then starts serve on the same database and working
// directory: the task's heartbeat goes stale (scaffolder.heartbeatInterval
// keeps that short), the new process recovers it and completes it without
// running the fetch again.
func TestScaffoldE2ECrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	gh := githubfake.NewServer(t)
	gh.AddOrg(e2eOrg, "octocat")
	tpl, _ := filepath.Abs("testdata/restart-service/template.yaml")
	cfg := e2eConfig(t, t.TempDir(), gh, tpl)
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("scaffolder:\n  heartbeatInterval: 100ms\n")
	f.Close()

	child := exec.Command(os.Args[0], "-test.run=^TestServeChild$")
	child.Env = append(os.Environ(), childConfig+"="+cfg)
	out, _ := child.StdoutPipe()
	stderr := &syncBuffer{}
	child.Stderr = stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			child.Process.Kill()
		}
		child.Wait()
	})
	var stdout syncBuffer
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			stdout.Write([]byte(sc.Text() + "\n"))
		}
	}()
	first := &e2eServer{stderr: stderr}
	re := regexp.MustCompile(`listening on (http://localhost:\d+)`)
	waitFor(t, "child serve start", func() bool {
		m := re.FindStringSubmatch(stdout.String())
		if m != nil {
			first.base = m[1]
		}
		return m != nil
	}, stderr)
	path := "/api/scaffolder/v2/templates/default/template/restart-service/parameter-schema"
	waitFor(t, "template in the catalog", func() bool { return first.call(t, "GET", path, nil, nil) == 200 }, stderr)
	id := first.createTask(t, "template:default/restart-service", map[string]any{
		"name": "crashed-service", "repoUrl": "github.com?owner=" + e2eOrg + "&repo=crashed-service", "waitSeconds": 2}, false)
	first.followEvents(t, id, 0, func(ev e2eEvent) bool { return ev.Body["message"] == "Beginning step Wait" })
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed = true
	child.Wait()

	srv := startServe(t, cfg)
	all := srv.followEvents(t, id, 0, nil)
	log := eventLog(all)
	if st := completionStatus(all); st != "completed" {
		t.Fatalf("task after the crash ended %q:\n%s\nstderr:\n%s", st, log, srv.stderr.String())
	}
	for _, want := range []string{"recovered: The worker running this task stopped", "Step Fetch was completed by an earlier run"} {
		if !strings.Contains(log, want) {
			t.Errorf("events lack %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "Beginning step Fetch"); n != 1 {
		t.Errorf("fetch ran %d times, want 1:\n%s", n, log)
	}
	if text, err := gh.ReadFile(e2eOrg, "crashed-service", "main", "catalog-info.yaml"); err != nil || !strings.Contains(text, "name: crashed-service") {
		t.Errorf("catalog-info.yaml in the repository: %q %v", text, err)
	}
	if st := srv.call(t, "GET", "/api/catalog/entities/by-name/component/default/crashed-service", nil, nil); st != 200 {
		t.Errorf("entity crashed-service: status %d", st)
	}
}
