package replicas

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fault suite's knobs: CALLBOARD_TEST_FAULTS=1 runs it;
// CALLBOARD_FAULTS_LOAD is the load's duration (default 30s) and
// CALLBOARD_FAULTS_CONNS its connections (default 64).
const (
	envFaults = "CALLBOARD_TEST_FAULTS"
	envLoad   = "CALLBOARD_FAULTS_LOAD"
	envConns  = "CALLBOARD_FAULTS_CONNS"
)

// faultProcessing is catalog.processingInterval in the fault suite: short,
// so that several full passes fall in the run and their spacing is checked.
const faultProcessing = 4 * time.Second

// TestReplicasUnderFaults runs three replicas on a private PostgreSQL
// cluster under mixed load; during it one replica is killed (SIGKILL) in
// the middle of a scaffolder task and restarted, and PostgreSQL is
// restarted once. Then: every task finished once and no completed step
// ran again, no full processing pass ran twice in one interval, every
// replica serves exactly the registered locations' components, and no
// request failed outside the database restart.
func TestReplicasUnderFaults(t *testing.T) {
	if os.Getenv(envFaults) != "1" {
		t.Skip("set " + envFaults + "=1 to run the load and fault suite (bench/replicas.sh does)")
	}
	loadFor := 30 * time.Second
	if v := os.Getenv(envLoad); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second {
			t.Fatalf("%s=%q: want a duration of at least 10s", envLoad, v)
		}
		loadFor = d
	}
	conns := 64
	if v := os.Getenv(envConns); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", envConns, v)
		}
		conns = n
	}
	pg, err := startPrivatePostgres(t)
	if err != nil {
		// Under CI the suite is asked for: a missing PostgreSQL fails it.
		t.Fatalf("cannot start a private PostgreSQL cluster: %v", err)
	}
	dir := t.TempDir()
	desc := serveDescriptors(t)
	cfgs := map[string]string{}
	var procs []*replicaProc // every process started, killed ones too
	cl := &cluster{}
	for _, name := range []string{"r1", "r2", "r3"} {
		cfgs[name] = writeConfig(t, dir, name, pg.url, faultProcessing, desc)
		r := startReplica(t, name, dir, cfgs[name])
		procs = append(procs, r)
		cl.add(r)
	}
	ctx := t.Context()

	// Seed components the reads ask for.
	const seeds = 20
	for i := range seeds {
		name := fmt.Sprintf("seed-%d", i)
		if _, _, err := register(ctx, procs[i%3].base, desc.component(t, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range procs {
		waitUntil(t, "seeds on "+r.name, 30*time.Second, func() (bool, error) {
			names, err := componentNames(ctx, r.base)
			return len(names) == seeds, err
		})
	}

	t.Logf("seeded %d components; load for %s on %d connections", seeds, loadFor, conns)
	l := newLoad(cl, desc, seeds)
	loadCtx, stopLoad := context.WithTimeout(ctx, loadFor)
	defer stopLoad()
	start := time.Now()
	loadDone := make(chan struct{})
	go func() {
		l.run(loadCtx, conns, func(name string) string { return desc.component(t, name) })
		close(loadDone)
	}()

	// Kill, at a third of the run, the replica that runs a long task.
	sleepUntil(start.Add(loadFor / 3))
	longTask := createTask(t, procs[0].base, 4000)
	victim := waitTaskRunner(t, procs, longTask)
	t.Logf("task %s runs on %s", longTask, victim.name)
	waitUntil(t, "the long task in its wait step", 20*time.Second, func() (bool, error) {
		evs, _, err := taskEvents(ctx, procs[0].base, longTask)
		return strings.Contains(evs, "Beginning step Wait"), err
	})
	cl.remove(victim)
	time.Sleep(200 * time.Millisecond) // requests already sent to it finish or fail
	victim.kill()
	killedAt := time.Now()
	t.Logf("killed %s (SIGKILL) while it ran task %s", victim.name, longTask)
	time.Sleep(3 * time.Second)
	restartedAt := time.Now()
	back := startReplica(t, victim.name, dir, cfgs[victim.name])
	catchUp := time.Since(restartedAt)
	procs = append(procs, back)
	cl.add(back)

	// Restart PostgreSQL at two thirds.
	sleepUntil(start.Add(2 * loadFor / 3))
	dbDown := time.Now()
	took, err := pg.restart()
	if err != nil {
		t.Fatal(err)
	}
	dbUp := time.Now()
	t.Logf("restarted PostgreSQL in %s", took.Round(time.Millisecond))
	<-loadDone
	t.Logf("load done")
	elapsed := time.Since(start)
	l.probes.Wait()

	// Requests the killed replica was answering got no answer: that is the
	// kill, which a load balancer sees as a reset connection, not a 5xx.
	l.mu.Lock()
	var cut int
	l.failures = slices.DeleteFunc(l.failures, func(f failure) bool {
		if f.proc == victim && f.status == 0 {
			cut++
			return true
		}
		return false
	})
	l.mu.Unlock()
	rep := &report{cut: cut, load: l, elapsed: elapsed, conns: conns, dbDown: dbDown, dbUp: dbUp, killedAt: killedAt, catchUp: catchUp}
	defer func() { rep.print(t) }()

	// Tasks: each ends once, and no step began twice but the one a fault
	// interrupted. A task ends completed, unless a fault (the database's
	// restart under a running step, whose events then cannot be written)
	// failed it: then it says it was recovered, and it ended once.
	tasks := append(slices.Clone(l.tasks), longTask)
	for _, id := range tasks {
		var evs, status string
		waitUntil(t, "task "+id+" finished", 60*time.Second, func() (bool, error) {
			var err error
			evs, status, err = taskEvents(ctx, back.base, id)
			return status != "", err
		})
		recovered := strings.Contains(evs, "recovered:")
		switch {
		case status == "failed" && recovered && id != longTask:
			rep.faultFailed++
		case status != "completed":
			t.Errorf("task %s ended %q:\n%s", id, status, evs)
		}
		if n := strings.Count(evs, "completion:"); n != 1 {
			t.Errorf("task %s has %d completion events:\n%s", id, n, evs)
		}
		// A step runs once, or twice when the fault interrupted it (it
		// began, never finished, and the task resumed with it); a step
		// that finished never runs again.
		for _, step := range []string{"First", "Wait", "Last"} {
			began, finished := strings.Count(evs, "Beginning step "+step), strings.Count(evs, "Finished step "+step)
			if finished > 1 || began > 2 || (began == 2 && !recovered) || (began == 0 && status == "completed") {
				t.Errorf("task %s: step %s began %d times, finished %d times:\n%s", id, step, began, finished, evs)
			}
		}
		if id == longTask && !recovered {
			t.Errorf("the killed replica's task was not recovered by another:\n%s", evs)
		}
	}
	rep.tasks = len(tasks)

	// Every replica, the restarted one included, serves exactly the
	// components of the locations that exist.
	want := registeredComponents(t, back.base, seeds)
	live := cl.all()
	agreeStart := time.Now()
	waitUntil(t, "every replica serves the registered components", 30*time.Second, func() (bool, error) {
		for _, r := range live {
			got, err := componentNames(ctx, r.base)
			if err != nil {
				return false, err
			}
			if !slices.Equal(got, want) {
				extra := slices.DeleteFunc(slices.Clone(got), func(n string) bool { return slices.Contains(want, n) })
				missing := slices.DeleteFunc(slices.Clone(want), func(n string) bool { return slices.Contains(got, n) })
				return false, fmt.Errorf("%s serves %d components, want %d: extra %v, missing %v", r.name, len(got), len(want), extra, missing)
			}
		}
		return true, nil
	})
	rep.settle = time.Since(agreeStart)
	gone := 0
	for _, name := range l.names {
		if !slices.Contains(want, name) {
			gone++
			for _, r := range live {
				if ok, err := hasComponent(ctx, r.base, name); ok || err != nil {
					t.Errorf("%s still serves unregistered %s (%v)", r.name, name, err)
				}
			}
		}
	}
	rep.registered, rep.unregistered = len(want)-seeds, gone

	// Full processing passes: one replica per interval.
	rep.passes = checkPasses(t, procs)

	// Failures: only while the database restarts (and a few seconds after,
	// while pools reconnect).
	window := [2]time.Time{dbDown.Add(-500 * time.Millisecond), dbUp.Add(5 * time.Second)}
	for _, f := range l.failures {
		if f.at.Before(window[0]) || f.at.After(window[1]) {
			t.Errorf("%s on %s failed at %s, outside the database restart (%s..%s): %d %s",
				f.what, f.replica, f.at.Format("15:04:05.000"), window[0].Format("15:04:05.000"), window[1].Format("15:04:05.000"), f.status, f.err)
		}
	}
}

func sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }

// createTask starts a replica-job task that waits waitMs in its middle step.
func createTask(t *testing.T, base string, waitMs int) string {
	t.Helper()
	var created struct{ ID string }
	st, err := call(t.Context(), base, "POST", "/api/scaffolder/v2/tasks", map[string]any{
		"templateRef": "template:default/replica-job", "values": map[string]any{"waitMs": waitMs}}, &created)
	if err != nil || st != http.StatusCreated {
		t.Fatalf("create task: %d %v", st, err)
	}
	return created.ID
}

// waitTaskRunner returns the replica whose log says it runs task id.
func waitTaskRunner(t *testing.T, procs []*replicaProc, id string) *replicaProc {
	t.Helper()
	var found *replicaProc
	waitUntil(t, "a replica running task "+id, 20*time.Second, func() (bool, error) {
		for _, r := range procs {
			if strings.Contains(r.stderr.String(), "running task\" task="+id) {
				found = r
				return true, nil
			}
		}
		return false, nil
	})
	return found
}

// registeredComponents returns the component names of the locations the
// database holds (the seeds and what the load registered and did not
// unregister), sorted.
func registeredComponents(t *testing.T, base string, seeds int) []string {
	t.Helper()
	var locs []struct {
		Data struct{ Target string } `json:"data"`
	}
	if _, err := call(t.Context(), base, "GET", "/api/catalog/locations", nil, &locs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range locs {
		name := strings.TrimSuffix(l.Data.Target[strings.LastIndex(l.Data.Target, "/")+1:], ".yaml")
		if strings.HasPrefix(name, "seed-") || strings.HasPrefix(name, "load-") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

var passLine = regexp.MustCompile(`time=(\S+) level=INFO msg="catalog: processing every location on this replica"`)

// checkPasses checks that full processing passes, across every replica,
// are at least one interval apart (less a little for timer slack), and
// returns how many ran.
func checkPasses(t *testing.T, procs []*replicaProc) int {
	t.Helper()
	type pass struct {
		at      time.Time
		replica string
	}
	var passes []pass
	for _, r := range procs {
		for _, m := range passLine.FindAllStringSubmatch(r.stderr.String(), -1) {
			name := fmt.Sprintf("%s (pid %d)", r.name, r.cmd.Process.Pid)
			at, err := time.Parse(time.RFC3339Nano, m[1])
			if err != nil {
				t.Fatalf("log time %q: %v", m[1], err)
			}
			passes = append(passes, pass{at, name})
		}
	}
	slices.SortFunc(passes, func(a, b pass) int { return a.at.Compare(b.at) })
	for i := 1; i < len(passes); i++ {
		if gap := passes[i].at.Sub(passes[i-1].at); gap < faultProcessing-250*time.Millisecond {
			t.Errorf("full processing ran twice in one interval: %s at %s, %s at %s (%s apart, interval %s)",
				passes[i-1].replica, passes[i-1].at.Format("15:04:05.000"), passes[i].replica, passes[i].at.Format("15:04:05.000"), gap, faultProcessing)
			for _, p := range passes {
				t.Logf("full pass: %s at %s", p.replica, p.at.Format("15:04:05.000"))
			}
		}
	}
	if len(passes) < 2 {
		t.Errorf("%d full processing passes ran; want several", len(passes))
	}
	return len(passes)
}

// report is what the run measured.
type report struct {
	load                     *load
	elapsed                  time.Duration
	conns                    int
	dbDown, dbUp, killedAt   time.Time
	catchUp, settle          time.Duration
	tasks, passes, cut       int
	faultFailed              int
	registered, unregistered int
}

func (r *report) print(t *testing.T) {
	l := r.load
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	n := l.requests.Load()
	fmt.Fprintf(&b, "replicas under load: 3 replicas, %d connections, %s, %d requests, %.0f req/s\n",
		r.conns, r.elapsed.Round(time.Millisecond), n, float64(n)/r.elapsed.Seconds())
	names := make([]string, 0, len(l.latency))
	for name := range l.latency {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ds := l.latency[name]
		fmt.Fprintf(&b, "  %s: %d requests, p50 %s, p99 %s\n", name, len(ds),
			percentile(ds, 50).Round(10*time.Microsecond), percentile(ds, 99).Round(10*time.Microsecond))
	}
	fmt.Fprintf(&b, "change-log propagation (registration answered -> served by every replica), %d registrations: p50 %s, p99 %s, max %s\n",
		len(l.propagate), percentile(l.propagate, 50).Round(time.Millisecond), percentile(l.propagate, 99).Round(time.Millisecond),
		percentile(l.propagate, 100).Round(time.Millisecond))
	// Unavailability: the 100 ms slots in which some request failed.
	slots := map[int64]bool{}
	var first, last time.Time
	for _, f := range l.failures {
		slots[f.at.UnixMilli()/100] = true
		if first.IsZero() || f.at.Before(first) {
			first = f.at
		}
		if f.at.After(last) {
			last = f.at
		}
	}
	fmt.Fprintf(&b, "PostgreSQL restart: %s; failed requests: %d, in %.1f s of unavailability", r.dbUp.Sub(r.dbDown).Round(time.Millisecond),
		len(l.failures), float64(len(slots))/10)
	if len(l.failures) > 0 {
		fmt.Fprintf(&b, " (from %s to %s after the restart began)", first.Sub(r.dbDown).Round(time.Millisecond), last.Sub(r.dbDown).Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "\nkilled replica: %d requests in flight cut; restarted and caught up (catalog ready) in %s\n", r.cut, r.catchUp.Round(time.Millisecond))
	fmt.Fprintf(&b, "tasks finished once: %d (%d failed by the database restart, after recovery); full processing passes: %d (interval %s); registered at the end: %d, unregistered: %d; replicas agreed %s after the load\n",
		r.tasks, r.faultFailed, r.passes, faultProcessing, r.registered, r.unregistered, r.settle.Round(time.Millisecond))
	t.Log("\n" + b.String())
	fmt.Print(b.String())
}
