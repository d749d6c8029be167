package github_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/integration/github"
	"callboard/internal/githubfake"
	"callboard/store/storetest"
)

// logRecorder counts log messages by text, at every level.
type logRecorder struct {
	mu   sync.Mutex
	msgs map[string]int
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs[rec.Message]++
	return nil
}

func (r *logRecorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for m, c := range r.msgs {
		if strings.HasPrefix(m, prefix) {
			n += c
		}
	}
	return n
}

// waitFor polls cond; the deadline only guards against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

const (
	ranMsg     = "github discovery"
	skippedMsg = "provider run skipped: another replica holds its lease"
)

// TestScheduleLeaseOneReplicaPerTick runs the same discovery provider as
// two replicas sharing one database: on their first tick exactly one makes
// GitHub requests, the other skips; when the runner stops it releases the
// lease and a third replica runs at once.
func TestScheduleLeaseOneReplicaPerTick(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := githubfake.NewServer(t)
			s.AddOrg("acme")
			for _, n := range []string{"svc-a", "svc-b", "svc-c"} {
				s.AddRepo("acme", n, map[string]string{"catalog-info.yaml": component(n)}, githubfake.RepoOptions{})
			}
			// What one full run costs a replica with a cold cache.
			cat := newCatalog(t, newClient(t, s, github.Config{Token: githubfake.Token}))
			one, err := newTestReplica(t, s, cat, nil, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := one.d.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			perRun, _ := s.Requests()
			if perRun == 0 {
				t.Fatal("a full run made no requests")
			}
			s.ResetCounts()

			db := b.Open(t)
			rec := &logRecorder{msgs: map[string]int{}}
			log := slog.New(rec)
			a, err := newTestReplica(t, s, cat, db, "replica-a", log)
			if err != nil {
				t.Fatal(err)
			}
			bb, _ := newTestReplica(t, s, cat, db, "replica-b", log)
			a.start(t)
			bb.start(t)
			waitFor(t, "both replicas' first tick", func() bool { return rec.count(ranMsg)+rec.count(skippedMsg) >= 2 })
			if ran, skipped := rec.count(ranMsg), rec.count(skippedMsg); ran != 1 || skipped != 1 {
				t.Fatalf("first tick: %d runs and %d skips, want 1 and 1 (errors: %d)", ran, skipped, rec.count("provider run failed"))
			}
			if got, _ := s.Requests(); got != perRun {
				t.Errorf("two replicas made %d GitHub requests, want one run's %d", got, perRun)
			}
			holder, live, err := db.Lease(t.Context(), a.d.Name())
			if err != nil || !live {
				t.Fatalf("lease %s: holder %q live %v err %v", a.d.Name(), holder, live, err)
			}
			winner := map[string]*replica{"replica-a": a, "replica-b": bb}[holder]
			if winner == nil {
				t.Fatalf("lease holder %q is neither replica", holder)
			}
			// The winner stops (a replica shutting down): it releases the lease.
			winner.stop()
			if _, _, err := db.Lease(t.Context(), a.d.Name()); callboard.ErrorKind(err) != callboard.NotFound {
				t.Fatalf("lease after its holder stopped: %v, want NotFound (released)", err)
			}
			c, _ := newTestReplica(t, s, cat, db, "replica-c", log)
			c.start(t)
			waitFor(t, "the third replica's run", func() bool { return rec.count(ranMsg) >= 2 })
			if holder, _, err := db.Lease(t.Context(), a.d.Name()); err != nil || holder != "replica-c" {
				t.Errorf("lease holder after takeover = %q, %v; want replica-c", holder, err)
			}
		})
	}
}

type replica struct {
	d    *github.Discovery
	stop func()
}

// newTestReplica is one replica's discovery provider (its own client and
// cache), hourly, taking its lease from leases as holder.
func newTestReplica(t *testing.T, s *githubfake.Server, cat *catalog.Service, leases callboard.LeaseStore, holder string, log *slog.Logger) (*replica, error) {
	c := newClient(t, s, github.Config{Token: githubfake.Token})
	sched := github.Schedule{Frequency: time.Hour, Holder: holder}
	if leases != nil {
		sched.Leases = leases
	}
	d, err := c.NewDiscovery(github.DiscoveryConfig{ID: "acme", Organization: "acme", Schedule: sched}, cat, log)
	return &replica{d: d}, err
}

// start runs the replica's schedule until stop (or the test's end).
func (r *replica) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.d.Run(ctx) }()
	r.stop = func() { cancel(); <-done }
	t.Cleanup(r.stop)
}
