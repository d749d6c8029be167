// Package replica keeps a replica's in-memory state in step with the other
// replicas sharing its database: a Follower reads the store's change log
// from the last sequence it applied and hands each change to the feature
// that caches it (the catalog's graph and index, the scaffolder's idle
// workers). It is woken by the database's notifications (PostgreSQL
// LISTEN/NOTIFY) and polls as a fallback, so a change is never missed
// across reconnects: the log, not the notification, is the record.
package replica

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"callboard"
)

// Defaults of Options.
const (
	DefaultPollInterval = 500 * time.Millisecond
	DefaultRetention    = 24 * time.Hour
)

// batchSize is how many log rows one read takes.
const batchSize = 5000

// Options configure a Follower.
type Options struct {
	// Log is the database's change log. Required.
	Log callboard.ChangeLog
	// Origin is this process's ID in the log (store.DB.SetOrigin): its own
	// rows are skipped, since it applied them as it wrote them.
	Origin string
	// Listen blocks until ctx ends, calling wake when the database says
	// the log grew (store.DB.ListenChanges); nil polls only.
	Listen func(ctx context.Context, wake func()) error
	// PollInterval is how often the log is read without a notification;
	// zero is DefaultPollInterval.
	PollInterval time.Duration
	// Retention is how long log rows are kept; zero is DefaultRetention.
	Retention time.Duration
	// Leases, when set, lets one replica at a time prune the log, as
	// Holder.
	Leases callboard.LeaseStore
	Holder string

	// Entities applies changed entity refs (catalog.Service.ApplyChanges).
	Entities func(ctx context.Context, refs []string) error
	// Reload rebuilds everything from the database, for a follower whose
	// sequence the log no longer holds (catalog.Service.Reload).
	Reload func(ctx context.Context) error
	// Tasks is told the IDs of tasks whose state changed elsewhere (to
	// wake idle workers); nil ignores them.
	Tasks func(ids []string)
	// Logger receives failures; nil discards them.
	Logger *slog.Logger
}

// Follower applies the change log. Build it with New, call Start before
// the state it follows is loaded, then Run.
type Follower struct {
	opts Options
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex   // one catch-up at a time
	applied atomic.Int64 // the last seq applied
	// behindSince is the database time, in Unix ms shifted to this
	// process's clock, of the oldest row known but not applied; 0 when
	// the last catch-up reached the end of the log, -1 when it failed
	// before reading (then lastCaughtUp says since when).
	behindSince  atomic.Int64
	lastCaughtUp atomic.Int64 // Unix ms of the last catch-up that reached the end
	skew         atomic.Int64 // database clock minus ours, ms
	reloads      atomic.Int64
}

// New returns a Follower.
func New(opts Options) *Follower {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{opts: opts, log: log, wake: make(chan struct{}, 1)}
}

// Start takes the newest sequence of the log as applied. Call it before
// the followed state is loaded from the database: what loads then includes
// every change up to that sequence, and later ones are applied by Run
// (some twice, which is harmless).
func (f *Follower) Start(ctx context.Context) error {
	_, newest, now, err := f.opts.Log.ChangeBounds(ctx)
	if err != nil {
		return err
	}
	f.skew.Store(now.UnixMilli() - time.Now().UnixMilli())
	f.applied.Store(newest.Seq)
	f.lastCaughtUp.Store(time.Now().UnixMilli())
	return nil
}

// Applied returns the sequence of the last change applied.
func (f *Follower) Applied() int64 { return f.applied.Load() }

// Reloads returns how many times the follower fell behind the log's
// retention and reloaded everything.
func (f *Follower) Reloads() int64 { return f.reloads.Load() }

// Lag returns how far behind the newest change this replica is: zero when
// its last catch-up reached the end of the log, otherwise the age of the
// oldest change it knows of and has not applied (or, when it cannot read
// the log, the time since it last reached the end). For /metrics.
func (f *Follower) Lag() time.Duration {
	now := time.Now().UnixMilli()
	switch b := f.behindSince.Load(); {
	case b == 0:
		return 0
	case b < 0:
		return time.Duration(now-f.lastCaughtUp.Load()) * time.Millisecond
	default:
		return time.Duration(max(now-b, 0)) * time.Millisecond
	}
}

// Wake asks Run to read the log now.
func (f *Follower) Wake() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Run follows the log until ctx ends: at each notification, every
// PollInterval, and it prunes rows older than Retention every tenth of it
// (at most hourly). Failures are logged and retried at the next poll.
func (f *Follower) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	if f.opts.Listen != nil {
		wg.Go(func() {
			if err := f.opts.Listen(ctx, f.Wake); err != nil && ctx.Err() == nil {
				f.log.Warn("replica: change notifications stopped; polling only", "err", err)
			}
		})
	}
	poll := time.NewTicker(f.opts.PollInterval)
	defer poll.Stop()
	pruneEvery := min(f.opts.Retention/10, time.Hour)
	prune := time.NewTicker(pruneEvery)
	defer prune.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-f.wake:
		case <-poll.C:
		case <-prune.C:
			f.prune(ctx, pruneEvery)
			continue
		}
		err := f.CatchUp(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			f.log.Warn("replica: cannot apply the change log; retrying", "err", err, "applied", f.Applied())
			failing = true
		case err == nil && failing:
			f.log.Info("replica: applying the change log again", "applied", f.Applied())
			failing = false
		}
	}
}

// CatchUp applies every change logged after the last one applied. The
// catalog calls it before a processing pass, so that the pass starts from
// what the other replicas wrote.
func (f *Follower) CatchUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		after := f.applied.Load()
		rows, err := f.opts.Log.Changes(ctx, after, batchSize)
		if err != nil {
			if f.behindSince.Load() == 0 {
				f.behindSince.Store(-1)
			}
			return err
		}
		if len(rows) == 0 {
			f.caughtUp()
			return nil
		}
		if rows[0].Seq > after+1 && after > 0 {
			reloaded, err := f.reloadIfPruned(ctx, after)
			if err != nil || reloaded {
				return err
			}
		}
		if f.behindSince.Load() <= 0 {
			f.behindSince.Store(rows[0].At.UnixMilli() - f.skew.Load())
		}
		if err := f.apply(ctx, rows); err != nil {
			return err
		}
		f.applied.Store(rows[len(rows)-1].Seq)
		if len(rows) < batchSize {
			f.caughtUp()
			return nil
		}
		f.behindSince.Store(0) // the next batch sets it again
	}
}

func (f *Follower) caughtUp() {
	f.behindSince.Store(0)
	f.lastCaughtUp.Store(time.Now().UnixMilli())
}

// reloadIfPruned reloads everything when rows after the applied sequence
// were pruned: a gap at the start of what is left. A gap left by a
// rolled-back write is told apart by the oldest row kept, which pruning
// moves past after (PruneChanges always keeps the newest row).
func (f *Follower) reloadIfPruned(ctx context.Context, after int64) (bool, error) {
	oldest, newest, now, err := f.opts.Log.ChangeBounds(ctx)
	if err != nil {
		return false, err
	}
	if oldest.Seq <= after+1 {
		return false, nil
	}
	f.log.Warn("replica: behind the change log's retention; reloading everything", "applied", after, "oldest", oldest.Seq)
	f.skew.Store(now.UnixMilli() - time.Now().UnixMilli())
	if err := f.opts.Reload(ctx); err != nil {
		return false, err
	}
	f.reloads.Add(1)
	f.applied.Store(newest.Seq)
	f.caughtUp()
	return true, nil
}

// apply hands rows written by other processes to their features.
func (f *Follower) apply(ctx context.Context, rows []callboard.Change) error {
	var refs, tasks []string
	seenRef, seenTask := map[string]bool{}, map[string]bool{}
	for _, c := range rows {
		if f.opts.Origin != "" && c.Origin == f.opts.Origin {
			continue
		}
		switch c.Kind {
		case callboard.ChangeEntity:
			if !seenRef[c.Key] {
				seenRef[c.Key] = true
				refs = append(refs, c.Key)
			}
		case callboard.ChangeTask:
			if !seenTask[c.Key] {
				seenTask[c.Key] = true
				tasks = append(tasks, c.Key)
			}
		}
		// Locations change through their root entities, logged as
		// entities too; docs sites are read from the shared publisher.
	}
	slices.Sort(refs)
	if len(refs) > 0 && f.opts.Entities != nil {
		if err := f.opts.Entities(ctx, refs); err != nil {
			return err
		}
	}
	if len(tasks) > 0 && f.opts.Tasks != nil {
		f.opts.Tasks(tasks)
	}
	return nil
}

// prune deletes rows past retention, on one replica per interval.
func (f *Follower) prune(ctx context.Context, every time.Duration) {
	if f.opts.Leases != nil {
		ok, err := f.opts.Leases.AcquireLease(ctx, "replica:prune-change-log", f.opts.Holder, every)
		if err != nil || !ok {
			return
		}
	}
	n, err := f.opts.Log.PruneChanges(ctx, f.opts.Retention)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("replica: cannot prune the change log", "err", err)
		}
		return
	}
	if n > 0 {
		f.log.Debug("replica: pruned the change log", "rows", n)
	}
}
