package catalog

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// A first ingest grows the live heap from nothing to the whole catalog
// while it allocates a multiple of that in garbage. During a first ingest
// the memory limit follows the live heap: ingestHeadroom over it, never
// below limitFloor. Options.IngestMemoryLimit, when set, is used as a
// fixed limit instead.
//
// The headroom was half the live heap when the ingest held up to four
// chunks of 20,000 entities and every file parsed ahead of them in
// memory: the doubling of that made the peak RSS. With 5,000-entity
// chunks and reads bounded (process.go, walk.go) the ingest holds little
// besides the catalog, and half the live heap made the collector 35-40%
// of the ingest's CPU. Measured at 100,000 entities on SQLite (2 CPUs,
// load 8-14, so CPU seconds are noisy):
//
//	chunk   headroom   ingest CPU   peak RSS: ingest · queries after
//	20,000  half       56.3 s       715 · 704 MB
//	 5,000  3/4        47.2 s       642 · 692 MB
//	 5,000  all        36.4 s       699 · 757 MB
//
// With the index's pairs and values out of the collector's sight
// (index/arena.go) collections cost less, and on the merged tree half
// the live heap came back as the better trade (load 3.5-4):
//
//	headroom   ingest CPU · wall   peak RSS: ingest · queries after
//	all        29.8 s · 26.3 s     637 · 427 MB
//	half       37.6 s · 30.9 s     501 · 428 MB
//
// The peak RSS decides the memory a deployment must be given; a first
// ingest runs once.
//
// Afterwards the limit keeps following the live heap with half of it over
// it (steadyHeadroom; Options.MemoryLimit 0, the default), and the
// ingest's garbage is returned to the system once, when the first ingest
// ends: with GOGC alone the first collection after the ingest set a heap
// goal of twice the ingest's last live heap (its garbage included), and
// the query phase of a 100,000-entity bench peaked at 780 MB RSS over a
// 225 MB live heap. Queries allocate far less than an ingest, so the
// collector's extra runs cost them little.
const (
	limitFloor     = 256 << 20
	ingestHeadroom = 2 // limit = live + live/ingestHeadroom
	steadyHeadroom = 2
	limitEvery     = 100 * time.Millisecond
)

// The memory limit is process-wide, while several catalogs (tests) may
// ingest at once: the first to start saves the limit in force (the
// operator's GOMEMLIMIT) and the last to finish sets the steady one.
var memLimit memLimiter

type memLimiter struct {
	mu     sync.Mutex
	users  int   // first ingests running
	saved  bool  // prev holds the operator's limit
	prev   int64 // the limit before the first ingest ever
	fixed  int64 // the largest fixed ingest limit asked for; 0: adaptive
	steady int64 // after ingests: 0 follows the live heap, > 0 fixed, < 0 prev
	// headroom is the adaptive loop's: ingestHeadroom while first
	// ingests run, steadyHeadroom after.
	headroom atomic.Int64
	stop     chan struct{} // ends the adaptive loop
	done     chan struct{}
}

// limitIngestMemory applies the first-ingest memory limit (fixed when
// positive, else following the live heap) and returns the func that
// ends it, setting the steady limit (as Options.MemoryLimit). A soft
// limit: past it the collector runs more often, it never fails an
// allocation, and the runtime caps the collector's share of CPU should
// the live heap outgrow it.
func limitIngestMemory(fixed, steady int64) func() {
	l := &memLimit
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.saved {
		l.prev, l.saved = debug.SetMemoryLimit(-1), true
	}
	l.users++
	l.fixed = max(l.fixed, fixed)
	if l.fixed > 0 {
		l.stopLoop()
		debug.SetMemoryLimit(min(l.fixed, l.prev))
	} else {
		l.follow(ingestHeadroom)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.users--; l.users > 0 {
				return
			}
			l.fixed, l.steady = 0, steady
			// The ingest's garbage goes back to the system now rather
			// than at the scavenger's pace.
			debug.FreeOSMemory()
			switch {
			case steady > 0:
				l.stopLoop()
				debug.SetMemoryLimit(min(steady, l.prev))
			case steady < 0:
				l.stopLoop()
				debug.SetMemoryLimit(l.prev)
			default:
				l.follow(steadyHeadroom)
			}
		})
	}
}

// follow sets the adaptive loop's headroom and starts it unless it runs.
// The caller holds l.mu.
func (l *memLimiter) follow(headroom int64) {
	l.headroom.Store(headroom)
	debug.SetMemoryLimit(adaptiveLimit(liveHeap(), headroom, l.prev))
	if l.stop == nil {
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go followLiveHeap(l.prev, &l.headroom, l.stop, l.done)
	}
}

// stopLoop ends the adaptive loop, if any. The caller holds l.mu.
func (l *memLimiter) stopLoop() {
	if l.stop != nil {
		close(l.stop)
		<-l.done
		l.stop, l.done = nil, nil
	}
}

// followLiveHeap resets the limit from the live heap until stop closes.
func followLiveHeap(prev int64, headroom *atomic.Int64, stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(limitEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			debug.SetMemoryLimit(adaptiveLimit(liveHeap(), headroom.Load(), prev))
		}
	}
}

// adaptiveLimit is the limit for a live heap of live bytes, live/headroom
// over it; it never exceeds prev, a limit the operator set (GOMEMLIMIT).
func adaptiveLimit(live, headroom, prev int64) int64 {
	return min(prev, max(limitFloor, live+live/headroom))
}

// liveHeap returns the heap marked live by the last collection.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}
