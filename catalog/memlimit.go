package catalog

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// A first ingest grows the live heap from nothing to the whole catalog
// while it allocates a multiple of that in garbage, so with the default
// GOGC the heap peaks at about twice the live heap: at 100,000 entities
// that doubling, not the live heap, made most of the peak RSS. During a
// first ingest the memory limit therefore follows the live heap:
// limitHeadroom over it, never below limitFloor, where GOGC alone
// already keeps the heap small. The collector then runs more often only
// once the heap is large. Options.IngestMemoryLimit, when set, is used as
// a fixed limit instead.
//
// Afterwards the limit keeps following the live heap (Options.MemoryLimit
// 0, the default): with GOGC alone the first collection after the ingest
// set a heap goal of twice the ingest's last live heap (its garbage
// included), and the query phase of a 100,000-entity bench peaked at
// 780 MB RSS over a 225 MB live heap. The ingest's garbage is returned to
// the system once, when the first ingest ends.
const (
	limitFloor    = 256 << 20
	limitHeadroom = 2 // limit = live + live/limitHeadroom
	limitEvery    = 100 * time.Millisecond
)

// The memory limit is process-wide, while several catalogs (tests) may
// ingest at once: the first to start saves the limit in force (the
// operator's GOMEMLIMIT) and the last to finish sets the steady one.
var memLimit memLimiter

type memLimiter struct {
	mu     sync.Mutex
	users  int           // first ingests running
	saved  bool          // prev holds the operator's limit
	prev   int64         // the limit before the first ingest ever
	fixed  int64         // the largest fixed ingest limit asked for; 0: adaptive
	steady int64         // after ingests: 0 follows the live heap, > 0 fixed, < 0 prev
	stop   chan struct{} // ends the adaptive loop
	done   chan struct{}
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
		l.follow()
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
				l.follow()
			}
		})
	}
}

// follow starts the adaptive loop unless it runs. The caller holds l.mu.
func (l *memLimiter) follow() {
	debug.SetMemoryLimit(adaptiveLimit(liveHeap(), l.prev))
	if l.stop == nil {
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go followLiveHeap(l.prev, l.stop, l.done)
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
func followLiveHeap(prev int64, stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(limitEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			debug.SetMemoryLimit(adaptiveLimit(liveHeap(), prev))
		}
	}
}

// adaptiveLimit is the limit for a live heap of live bytes; it never
// exceeds prev, a limit the operator set (GOMEMLIMIT).
func adaptiveLimit(live, prev int64) int64 {
	return min(prev, max(limitFloor, live+live/limitHeadroom))
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
