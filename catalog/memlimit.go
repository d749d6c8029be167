package catalog

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// A first ingest grows the live heap from nothing to the whole catalog
// while it allocates a multiple of that in garbage. During a first ingest
// the memory limit follows the live heap: ingestHeadroom over it, never
// below ingestLimitFloor. Options.IngestMemoryLimit, when set, is used as
// a fixed limit instead.
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
// A headroom of the whole live heap is what GOGC=100 gives anyway: the
// limit only matters when GOGC is set higher or off.
const (
	ingestLimitFloor = 256 << 20
	ingestHeadroom   = 1 // limit = live + live/ingestHeadroom
	ingestLimitEvery = 100 * time.Millisecond
)

// The memory limit is process-wide, while several catalogs (tests) may
// ingest at once: the first to start saves the limit in force and the
// last to finish restores it.
var ingestLimit ingestLimiter

type ingestLimiter struct {
	mu    sync.Mutex
	users int
	prev  int64         // the limit before the first user
	fixed int64         // the largest fixed limit asked for; 0: adaptive
	stop  chan struct{} // ends the adaptive loop
	done  chan struct{}
}

// limitIngestMemory applies the first-ingest memory limit (fixed when
// positive, else following the live heap) and returns the func that
// undoes it. A soft limit: past it the collector runs more often, it
// never fails an allocation, and the runtime caps the collector's share
// of CPU should the live heap outgrow it.
func limitIngestMemory(fixed int64) func() {
	l := &ingestLimit
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.users == 0 {
		l.prev = debug.SetMemoryLimit(-1)
	}
	l.users++
	l.fixed = max(l.fixed, fixed)
	if l.fixed > 0 {
		l.stopLoop()
		debug.SetMemoryLimit(min(l.fixed, l.prev))
	} else if l.stop == nil {
		debug.SetMemoryLimit(adaptiveLimit(liveHeap(), l.prev))
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go followLiveHeap(l.prev, l.stop, l.done)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.users--; l.users == 0 {
				l.stopLoop()
				l.fixed = 0
				debug.SetMemoryLimit(l.prev)
			}
		})
	}
}

// stopLoop ends the adaptive loop, if any. The caller holds l.mu.
func (l *ingestLimiter) stopLoop() {
	if l.stop != nil {
		close(l.stop)
		<-l.done
		l.stop, l.done = nil, nil
	}
}

// followLiveHeap resets the limit from the live heap until stop closes.
func followLiveHeap(prev int64, stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(ingestLimitEvery)
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
	return min(prev, max(ingestLimitFloor, live+live/ingestHeadroom))
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
