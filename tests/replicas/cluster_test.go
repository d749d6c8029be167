package replicas

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the callboard binary built once for the package's tests.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// callboardBinary builds ./cmd/callboard (once) and returns its path.
func callboardBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "callboard-replicas-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "callboard")
		cmd := exec.Command("go", "build", "-o", binPath, "callboard/cmd/callboard")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// syncBuffer is a bytes.Buffer safe for a writer and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// replicaProc is one running `callboard serve`.
type replicaProc struct {
	name   string
	base   string // http://localhost:port
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
}

var listening = regexp.MustCompile(`listening on (http://localhost:\d+)`)

// startReplica runs the binary with cfg in dir and waits until it has read
// its locations.
func startReplica(t *testing.T, name, dir, cfg string) *replicaProc {
	t.Helper()
	cmd := exec.Command(callboardBinary(t), "serve", "--config", cfg, "--dev", "--port", "0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LOG_LEVEL=info")
	// A replica dies with the test binary, even when a timeout kills it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r := &replicaProc{name: name, cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = r.stdout, r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(r.done) }()
	t.Cleanup(func() { r.stop(); saveLog(t, dir, r) })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listening.FindStringSubmatch(r.stdout.String()); m != nil && r.base == "" {
			r.base = m[1]
		}
		if r.base != "" && strings.Contains(r.stdout.String(), "catalog ready") {
			return r
		}
		select {
		case <-r.done:
			t.Fatalf("replica %s exited at start:\n%s\n%s", name, r.stdout.String(), r.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s not ready after 60 s:\n%s\n%s", name, r.stdout.String(), r.stderr.String())
		}
	}
}

// kill sends SIGKILL and waits for the process to end.
func (r *replicaProc) kill() {
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// stop sends SIGTERM and waits up to 20 s, then kills.
func (r *replicaProc) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		r.kill()
	}
}

// saveLog writes a replica's output to a file in the temp dir when the
// test failed (the test's own temp dirs are removed), and says where.
func saveLog(t *testing.T, dir string, r *replicaProc) {
	if !t.Failed() {
		return
	}
	f, err := os.CreateTemp("", fmt.Sprintf("callboard-replica-%s-%d-*.log", r.name, r.cmd.Process.Pid))
	if err != nil {
		t.Logf("replica %s: cannot save its log: %v", r.name, err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\n%s", r.stdout.String(), r.stderr.String())
	t.Logf("replica %s (%s): its output is in %s", r.name, r.base, f.Name())
}

// writeConfig writes a replica's app-config.yaml into dir.
func writeConfig(t *testing.T, dir, name, dbURL string, processing time.Duration, desc *descriptors) string {
	t.Helper()
	// One working directory for all: a task interrupted on a replica
	// resumes on another only if its workspace is shared (a shared volume
	// in production); otherwise it fails and can be retried.
	work := filepath.Join(dir, "work")
	cfg := fmt.Sprintf(`backend:
  database: {client: pg, connection: '%s'}
  workingDirectory: %s
  reading:
    allow: [{host: '%s'}]
catalog:
  rules: [{allow: [Component, Location, Template, Group, User, System, API]}]
  processingInterval: {milliseconds: %d}
  locations:
    - {type: file, target: %s}
scaffolder:
  heartbeatInterval: {seconds: 1}
techdocs:
  publisher: {type: local, local: {publishDirectory: %s}}
replication:
  pollInterval: {milliseconds: 500}
  processingLease: {seconds: 5}
`, dbURL, work, desc.host(), processing.Milliseconds(), filepath.Join(dir, "template.yaml"), filepath.Join(dir, "docs-"+name))
	path := filepath.Join(dir, "app-config-"+name+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(jobTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// jobTemplate is a scaffolder template of three steps; the middle one
// waits, so that a test can kill a replica in the middle of a task.
const jobTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: replica-job, title: Replica job}
spec:
  owner: group:default/team
  type: service
  parameters:
    - properties:
        waitMs: {type: number, default: 200}
  steps:
    - {id: first, name: First, action: debug:log, input: {message: first}}
    - id: wait
      name: Wait
      action: debug:wait
      input:
        milliseconds: ${{ parameters.waitMs }}
    - {id: last, name: Last, action: debug:log, input: {message: last}}
`

// descriptors serves component descriptors over HTTP on loopback, as url
// locations (the API registers url locations only).
type descriptors struct {
	dir string
	url string // http://127.0.0.1:port
}

func serveDescriptors(t *testing.T) *descriptors {
	t.Helper()
	d := &descriptors{dir: t.TempDir()}
	srv := httptest.NewServer(http.FileServer(http.Dir(d.dir)))
	t.Cleanup(srv.Close)
	d.url = srv.URL
	return d
}

// host is the server's host:port, for backend.reading.allow.
func (d *descriptors) host() string { return strings.TrimPrefix(d.url, "http://") }

// component writes the descriptor of component name and returns its URL.
func (d *descriptors) component(t *testing.T, name string) string {
	t.Helper()
	body := fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: %s}
spec: {type: service, lifecycle: production, owner: group:default/team}
`, name)
	if err := os.WriteFile(filepath.Join(d.dir, name+".yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return d.url + "/" + name + ".yaml"
}

// privatePostgres is a PostgreSQL cluster of the test's own, which it may
// restart: the shared one serves other tests.
type privatePostgres struct {
	dir  string
	log  string // the server's output: never our pipes, which it would hold open
	port int
	url  string
}

const pgBin = "/usr/lib/postgresql/15/bin"

// startPrivatePostgres initdb's a cluster in a temp dir and starts it on a
// free loopback port, as the postgres user when running as root.
func startPrivatePostgres(t *testing.T) (*privatePostgres, error) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		return nil, fmt.Errorf("no PostgreSQL binaries in %s: %w", pgBin, err)
	}
	dir, err := os.MkdirTemp("", "callboard-pg-")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown %s: %v %s", dir, err, out)
		}
	}
	p := &privatePostgres{dir: filepath.Join(dir, "data"), log: filepath.Join(dir, "log"), port: freePort(t)}
	if out, err := p.run("initdb", "-D", p.dir, "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", p.port, dir)
	if out, err := p.run("pg_ctl", "-D", p.dir, "-o", opts, "-l", p.log, "-w", "-t", "60", "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	t.Cleanup(func() { p.run("pg_ctl", "-D", p.dir, "-m", "immediate", "-w", "stop") })
	p.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	return p, nil
}

// restart restarts the cluster (fast shutdown: sessions are cut) and
// returns how long it took.
func (p *privatePostgres) restart() (time.Duration, error) {
	start := time.Now()
	out, err := p.run("pg_ctl", "-D", p.dir, "-l", p.log, "-m", "fast", "-w", "-t", "60", "restart")
	if err != nil {
		return 0, fmt.Errorf("pg_ctl restart: %v\n%s", err, out)
	}
	return time.Since(start), nil
}

func (p *privatePostgres) run(tool string, args ...string) ([]byte, error) {
	name := filepath.Join(pgBin, tool)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.Dir = "/"
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
