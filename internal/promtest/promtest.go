// Package promtest runs a real Prometheus for tests: the Debian package's
// prometheus binary on a free loopback port, over a TSDB that promtool
// backfills from generated OpenMetrics series whose 5xx ratios are known,
// so the tests can check PromQL answers against values worked out by
// hand.
package promtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Step is the time between two generated samples: few enough for
// promtool to backfill 31 days quickly, while every rate(...[5m]) sees two
// samples whether its range includes its start or not.
const Step = 150 * time.Second

// Days is how far back the generated series go.
const Days = 31

// Phase is a stretch of a series' traffic: from Since (a duration before
// now; zero for the oldest phase) on, ErrorRatio of the requests answer
// 5xx.
type Phase struct {
	Since      time.Duration
	ErrorRatio float64
}

// Service is the traffic of one service label value: a 200 series and a
// 500 series of http_requests_total whose increments follow the phases
// (sorted oldest first), PerStep requests each step.
type Service struct {
	Name    string
	PerStep float64
	Phases  []Phase
}

// Server is a running Prometheus.
type Server struct {
	// URL is its base URL, e.g. http://127.0.0.1:39123.
	URL string
	// Now is when the series end: the generation time.
	Now time.Time
}

// Start backfills a TSDB with the services' series ending now and starts
// Prometheus on it; it is stopped when the test ends. It skips the test
// when prometheus or promtool is missing, and fails it instead under
// CI=true, where .ci/run installs them.
func Start(t testing.TB, services ...Service) *Server {
	t.Helper()
	prom, err1 := exec.LookPath("prometheus")
	tool, err2 := exec.LookPath("promtool")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("promtest: prometheus and promtool are needed (apt-get install prometheus): %v %v", err1, err2)
		}
		t.Skip("promtest: prometheus or promtool not installed (apt-get install prometheus)")
	}
	dir := t.TempDir()
	now := time.Now().Truncate(time.Minute)
	data := filepath.Join(dir, "series.om")
	if err := writeOpenMetrics(data, now, services); err != nil {
		t.Fatal(err)
	}
	tsdb := filepath.Join(dir, "tsdb")
	if out, err := exec.Command(tool, "tsdb", "create-blocks-from", "openmetrics", "-q", data, tsdb).CombinedOutput(); err != nil {
		t.Fatalf("promtest: promtool: %v: %s", err, out)
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	// No scrape jobs: the backfilled blocks are all the data there is.
	if err := os.WriteFile(cfg, []byte("global: {evaluation_interval: 1m}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, prom,
		"--config.file="+cfg, "--storage.tsdb.path="+tsdb,
		"--storage.tsdb.retention.time=60d", "--web.listen-address="+addr)
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("promtest: start prometheus: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		log.Close()
	})
	url := "http://" + addr
	waitReady(t, url, filepath.Join(dir, "prometheus.log"))
	return &Server{URL: url, Now: now}
}

// writeOpenMetrics writes the services' counters, one sample per Step
// from Days ago to now, in the OpenMetrics text format promtool reads.
func writeOpenMetrics(path string, now time.Time, services []Service) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# HELP http_requests Requests served.")
	fmt.Fprintln(w, "# TYPE http_requests counter")
	start := now.Add(-Days * 24 * time.Hour)
	for _, s := range services {
		for _, status := range []string{"200", "500"} {
			// Counters start high so rate's extrapolation is never cut
			// short at zero, which would skew one series against the
			// other.
			v := 1e6
			for ts := start; !ts.After(now); ts = ts.Add(Step) {
				ratio := s.ratioAt(now.Sub(ts))
				if status == "500" {
					v += s.PerStep * ratio
				} else {
					v += s.PerStep * (1 - ratio)
				}
				fmt.Fprintf(w, "http_requests_total{service=%q,status=%q} %g %d\n", s.Name, status, v, ts.Unix())
			}
		}
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ratioAt is the error ratio age before now: that of the newest phase
// that started before then.
func (s Service) ratioAt(age time.Duration) float64 {
	r := 0.0
	for _, p := range s.Phases {
		if p.Since == 0 || age < p.Since {
			r = p.ErrorRatio
		}
	}
	return r
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// waitReady polls /-/ready until Prometheus answers 200, up to a minute.
func waitReady(t testing.TB, url, logFile string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(logFile)
	t.Fatalf("promtest: prometheus not ready at %s: %s", url, tail(string(out)))
}

func tail(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
