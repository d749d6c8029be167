package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/config"
	"callboard/replica"
	"callboard/store"
	"callboard/techdocs/docsync"
)

// replicationConfig is the replication section: how replicas sharing one
// database keep in step (README, "Several replicas").
type replicationConfig struct {
	// ChangeLogRetention is how long change-log rows are kept; a replica
	// that was away longer reloads everything. Default 24h.
	ChangeLogRetention config.Duration `yaml:"changeLogRetention"`
	// PollInterval is how often a replica reads the log when no
	// notification came. Default 500ms.
	PollInterval config.Duration `yaml:"pollInterval"`
	// ProcessingLease is how long the replica that processes locations
	// keeps that job after it stops renewing it (crashed): another takes
	// over then. Default 15s.
	ProcessingLease config.Duration `yaml:"processingLease"`
}

// Leases of the background work only one replica runs at a time.
const (
	leaseProcessing     = "catalog:processing"      // watch passes, renewed by each
	leaseProcessingFull = "catalog:processing-full" // one full pass per catalog.processingInterval
	leaseDocsSync       = "techdocs:sync"           // one docs pass per techdocs.syncInterval
)

// replication wires the change log: the follower that applies the other
// replicas' writes, and the claims that keep processing and docs builds
// on one replica. Claims apply on PostgreSQL only: a SQLite file is one
// replica's, and leases left by a crashed run would only delay its
// restart.
type replication struct {
	cfg      replicationConfig
	db       *store.DB
	holder   string
	shared   bool
	log      *slog.Logger
	follower *replica.Follower
	// processing is whether this replica took the processing lease at
	// its last pass: run renews it meanwhile, so that a pass longer than
	// the lease does not hand processing to another replica mid-way.
	processing atomic.Bool
}

func newReplication(cfg *config.Config, db *store.DB, holder string, log *slog.Logger) (*replication, error) {
	r := &replication{db: db, holder: holder, shared: db.Dialect() == "postgres", log: log}
	if err := cfg.Decode("replication", &r.cfg); err != nil {
		return nil, err
	}
	if r.cfg.ProcessingLease <= 0 {
		r.cfg.ProcessingLease = config.Duration(15 * time.Second)
	}
	db.SetOrigin(holder)
	return r, nil
}

// follow builds the follower over the catalog and the scaffolder's runner
// (wake: its idle workers look for tasks at once).
func (r *replication) follow(cat *catalog.Service, wake func()) {
	r.follower = replica.New(replica.Options{
		Log: r.db, Origin: r.holder, Listen: r.db.ListenChanges,
		PollInterval: time.Duration(r.cfg.PollInterval), Retention: time.Duration(r.cfg.ChangeLogRetention),
		Leases: r.db, Holder: r.holder,
		Entities: cat.ApplyChanges, Reload: cat.Reload,
		Tasks:  func([]string) { wake() },
		Logger: r.log,
	})
}

// catalogOptions adds the processing claim and the catch-up before each
// pass.
func (r *replication) catalogOptions(opts *catalog.Options) {
	opts.CatchUp = func(ctx context.Context) error { return r.follower.CatchUp(ctx) }
	if !r.shared {
		return
	}
	interval := opts.ProcessingInterval
	if interval <= 0 {
		interval = 2 * time.Minute
	}
	opts.Claim = func(ctx context.Context, full bool) bool {
		held := r.acquire(ctx, leaseProcessing, time.Duration(r.cfg.ProcessingLease))
		r.processing.Store(held)
		if !held {
			return false
		}
		return !full || r.acquire(ctx, leaseProcessingFull, interval)
	}
}

// docsOptions keeps background docs passes on one replica per interval and
// logs each publish.
func (r *replication) docsOptions(opts *docsync.Options) {
	opts.Published = func(ctx context.Context, ref callboard.EntityRef) {
		if err := r.db.AppendChanges(ctx, callboard.ChangeDocs, ref.String()); err != nil {
			r.log.Warn("replica: cannot log a docs publish", "entity", ref.String(), "err", err)
		}
	}
	if !r.shared {
		return
	}
	interval := opts.Interval
	if interval <= 0 {
		interval = docsync.DefaultInterval
	}
	opts.Claim = func(ctx context.Context) bool { return r.acquire(ctx, leaseDocsSync, interval) }
}

// keepProcessing renews the processing lease a third of its length
// while this replica holds it, until ctx ends.
func (r *replication) keepProcessing(ctx context.Context) {
	ttl := time.Duration(r.cfg.ProcessingLease)
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if r.processing.Load() {
			r.processing.Store(r.acquire(ctx, leaseProcessing, ttl))
		}
	}
}

func (r *replication) acquire(ctx context.Context, name string, ttl time.Duration) bool {
	ok, err := r.db.AcquireLease(ctx, name, r.holder, ttl)
	if err != nil && ctx.Err() == nil {
		r.log.Warn("replica: cannot take a lease; skipping this run", "lease", name, "err", err)
	}
	if err == nil && !ok {
		r.log.Debug("replica: another replica holds the lease", "lease", name)
	}
	return err == nil && ok
}

// run follows the change log until ctx ends, then gives up the processing
// lease so another replica takes over at once.
func (r *replication) run(ctx context.Context) error {
	if r.shared {
		go r.keepProcessing(ctx)
	}
	err := r.follower.Run(ctx)
	if r.shared {
		rc, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = r.db.ReleaseLease(rc, leaseProcessing, r.holder)
	}
	return err
}
