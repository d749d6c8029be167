package github

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// runSchedule calls run after s.InitialDelay and then every s.Frequency
// until ctx ends, each run bounded by s.Timeout. With s.Leases, a run
// happens only on the replica that holds the lease called name; the lease
// lasts a Frequency from the run's start, so the other replicas' ticks in
// that interval are skipped, and it is renewed while a long run goes on.
func runSchedule(ctx context.Context, s Schedule, log *slog.Logger, name string, run func(context.Context) error) error {
	if err := sleep(ctx, s.InitialDelay); err != nil {
		return nil
	}
	if s.Leases != nil {
		defer releaseLease(s, log, name)
	}
	for {
		tick(ctx, s, log, name, run)
		if err := sleep(ctx, s.Frequency); err != nil {
			return nil
		}
	}
}

// tick is one scheduled run, if this replica may run it.
func tick(ctx context.Context, s Schedule, log *slog.Logger, name string, run func(context.Context) error) {
	rc, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	if s.Leases != nil {
		ok, err := s.Leases.AcquireLease(ctx, name, s.Holder, s.Frequency)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("provider run skipped: cannot take its lease", "provider", name, "err", err)
			}
			return
		}
		if !ok {
			log.Debug("provider run skipped: another replica holds its lease", "provider", name)
			return
		}
		defer renewLease(rc, cancel, s, log, name)()
	}
	if err := run(rc); err != nil && ctx.Err() == nil {
		log.Error("provider run failed; its entities are kept", "provider", name, "err", err)
	}
}

// renewLease extends the lease every half Frequency while the run lasts,
// and cancels the run (with cancel) if another holder has taken the lease
// meanwhile: two replicas must not apply the same provider's mutation. It
// returns a func that stops the renewals and waits for them.
func renewLease(rc context.Context, cancel context.CancelFunc, s Schedule, log *slog.Logger, name string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(s.Frequency/2, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-rc.Done():
				return
			case <-t.C:
			}
			ok, err := s.Leases.AcquireLease(rc, name, s.Holder, s.Frequency)
			switch {
			case err != nil && rc.Err() == nil:
				// The database may be back before the lease ends; the
				// next renewal tries again.
				log.Warn("cannot renew provider lease", "provider", name, "err", err)
			case err == nil && !ok:
				log.Warn("provider lease taken by another replica; run cancelled", "provider", name)
				cancel()
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// releaseLease frees the lease when the schedule stops (a replica shutting
// down), so another replica runs at its next tick instead of after expiry.
func releaseLease(s Schedule, log *slog.Logger, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Leases.ReleaseLease(ctx, name, s.Holder); err != nil {
		log.Warn("cannot release provider lease; it ends at its expiry", "provider", name, "err", err)
	}
}
