package replicas

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// failure is a request that got a 5xx or no answer.
type failure struct {
	at      time.Time
	replica string
	proc    *replicaProc
	what    string
	status  int // 0: no answer
	err     string
}

// cluster is the set of replicas the load balancer sends requests to.
type cluster struct {
	mu   sync.Mutex
	live []*replicaProc
}

func (c *cluster) pick() *replicaProc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live[rand.IntN(len(c.live))]
}

func (c *cluster) remove(r *replicaProc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = slices.DeleteFunc(c.live, func(x *replicaProc) bool { return x == r })
}

func (c *cluster) add(r *replicaProc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = append(c.live, r)
}

func (c *cluster) all() []*replicaProc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.live)
}

// load is the mixed workload and what it observed.
type load struct {
	cl   *cluster
	desc *descriptors
	t    interface {
		Helper()
		Fatal(...any)
	}

	mu        sync.Mutex
	latency   map[string][]time.Duration // per replica name
	failures  []failure
	requests  atomic.Int64
	nextName  atomic.Int64
	names     []string          // every component the load registered
	locations map[string]string // location id -> component name, while registered
	tasks     []string
	propagate []time.Duration // registration answered -> served by every live replica
	probes    sync.WaitGroup
	seeds     int
}

const probeTimeout = 15 * time.Second

func newLoad(cl *cluster, desc *descriptors, seeds int) *load {
	return &load{cl: cl, desc: desc, latency: map[string][]time.Duration{}, locations: map[string]string{}, seeds: seeds}
}

// run sends requests from conns connections until ctx ends: 90% reads of
// pages and the API, 10% writes (registrations, unregistrations, refreshes
// and template runs).
func (l *load) run(ctx context.Context, conns int, mk func(name string) string) {
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				r := l.cl.pick()
				if rand.IntN(10) == 0 {
					l.write(ctx, r, mk)
				} else {
					l.read(ctx, r)
				}
			}
		})
	}
	wg.Wait()
}

func (l *load) read(ctx context.Context, r *replicaProc) {
	seed := fmt.Sprintf("seed-%d", rand.IntN(l.seeds))
	var path string
	switch rand.IntN(4) {
	case 0:
		path = "/api/catalog/entities?filter=kind=component&limit=20"
	case 1:
		path = "/api/catalog/entities/by-name/component/default/" + seed
	case 2:
		path = "/catalog"
	default:
		path = "/catalog/default/component/" + seed
	}
	l.do(ctx, r, "GET "+path, func() (int, error) { return call(ctx, r.base, "GET", path, nil, nil) })
}

func (l *load) write(ctx context.Context, r *replicaProc, mk func(name string) string) {
	switch n := rand.IntN(20); {
	case n < 8:
		name := fmt.Sprintf("load-%d", l.nextName.Add(1))
		target := mk(name)
		l.mu.Lock()
		l.names = append(l.names, name)
		l.mu.Unlock()
		var id string
		st := l.do(ctx, r, "register", func() (int, error) {
			var st int
			var err error
			id, st, err = register(ctx, r.base, target)
			return st, err
		})
		if st == http.StatusCreated {
			l.mu.Lock()
			l.locations[id] = name
			l.mu.Unlock()
			answered := time.Now()
			l.probes.Go(func() { l.probe(name, answered) })
		}
	case n < 13:
		l.mu.Lock()
		var id string
		for k := range l.locations {
			id = k
			break
		}
		delete(l.locations, id)
		l.mu.Unlock()
		if id == "" {
			return
		}
		l.do(ctx, r, "unregister", func() (int, error) {
			return call(ctx, r.base, "DELETE", "/api/catalog/locations/"+id, nil, nil)
		})
	case n < 17:
		ref := fmt.Sprintf("component:default/seed-%d", rand.IntN(l.seeds))
		l.do(ctx, r, "refresh", func() (int, error) {
			return call(ctx, r.base, "POST", "/api/catalog/refresh", map[string]string{"entityRef": ref}, nil)
		})
	default:
		var created struct{ ID string }
		st := l.do(ctx, r, "template run", func() (int, error) {
			return call(ctx, r.base, "POST", "/api/scaffolder/v2/tasks", map[string]any{
				"templateRef": "template:default/replica-job", "values": map[string]any{"waitMs": 100}}, &created)
		})
		if st == http.StatusCreated {
			l.mu.Lock()
			l.tasks = append(l.tasks, created.ID)
			l.mu.Unlock()
		}
	}
}

// do runs one request against r, recording its latency and any failure.
func (l *load) do(ctx context.Context, r *replicaProc, what string, f func() (int, error)) int {
	start := time.Now()
	st, err := f()
	d := time.Since(start)
	if ctx.Err() != nil {
		return st
	}
	l.requests.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.latency[r.name] = append(l.latency[r.name], d)
	if st == 0 || st >= 500 {
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		l.failures = append(l.failures, failure{at: time.Now(), replica: r.name, proc: r, what: what, status: st, err: msg})
	}
	return st
}

// probe measures how long a registration takes to be served by every
// live replica.
func (l *load) probe(name string, answered time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	pending := map[*replicaProc]bool{}
	for _, r := range l.cl.all() {
		pending[r] = true
	}
	for len(pending) > 0 && ctx.Err() == nil {
		for r := range pending {
			st, _ := call(ctx, r.base, "GET", "/api/catalog/entities/by-name/component/default/"+name, nil, nil)
			if st == http.StatusOK {
				delete(pending, r)
			}
		}
		if len(pending) > 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(pending) > 0 {
		// Unregistered meanwhile, or on a replica that was killed: not
		// a propagation figure.
		return
	}
	l.propagate = append(l.propagate, time.Since(answered))
}

// percentile returns the p-th percentile (0..100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}
