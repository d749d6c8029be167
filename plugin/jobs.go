package plugin

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"callboard"
)

// LeaseName is the lease a job takes before each run.
func LeaseName(pluginID, job string) string { return "plugin:" + pluginID + ":" + job }

// RunJobs runs the jobs of the plugins until ctx ends, then waits for the
// runs in progress. Each job runs when RunJobs starts and then every
// Every. With leases, a run happens only on the replica that holds the
// job's lease (LeaseName) as holder: the lease lasts Every from the run's
// start, so the other replicas' ticks in that interval are skipped; it is
// renewed while a long run goes on, and the run is cancelled if another
// replica takes it. Errors and panics of a run are logged.
func RunJobs(ctx context.Context, plugins []Enabled, leases callboard.LeaseStore, holder string, log *slog.Logger) {
	var wg sync.WaitGroup
	for _, p := range plugins {
		if p.Instance == nil {
			continue
		}
		for _, j := range p.Jobs {
			s := schedule{job: j, lease: LeaseName(p.ID, j.Name), leases: leases, holder: holder,
				log: log.With("plugin", p.ID, "job", j.Name)}
			wg.Go(func() { s.run(ctx) })
		}
	}
	wg.Wait()
}

// schedule runs one job.
type schedule struct {
	job    Job
	lease  string
	leases callboard.LeaseStore
	holder string
	log    *slog.Logger
}

func (s schedule) run(ctx context.Context) {
	if s.leases != nil {
		defer s.release()
	}
	t := time.NewTicker(s.job.Every)
	defer t.Stop()
	for {
		s.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick is one run, if this replica may run it.
func (s schedule) tick(ctx context.Context) {
	timeout := s.job.Timeout
	if timeout == 0 {
		timeout = s.job.Every
	}
	rc, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.leases != nil {
		ok, err := s.leases.AcquireLease(ctx, s.lease, s.holder, s.job.Every)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.log.Error("job run skipped: cannot take its lease", "err", err)
			}
			return
		case !ok:
			s.log.Debug("job run skipped: another replica holds its lease")
			return
		}
		defer s.renew(rc, cancel)()
	}
	if err := Call(rc, timeout, s.job.Run); err != nil && ctx.Err() == nil {
		s.log.Error("job run failed", "err", err)
	}
}

// renew extends the lease every half Every while the run lasts and
// cancels the run if another holder has taken the lease meanwhile. It
// returns a func that stops the renewals and waits for them.
func (s schedule) renew(rc context.Context, cancel context.CancelFunc) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(s.job.Every/2, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-rc.Done():
				return
			case <-t.C:
			}
			ok, err := s.leases.AcquireLease(rc, s.lease, s.holder, s.job.Every)
			switch {
			case err != nil && rc.Err() == nil:
				s.log.Warn("cannot renew job lease", "err", err)
			case err == nil && !ok:
				s.log.Warn("job lease taken by another replica; run cancelled")
				cancel()
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// release frees the lease when the server stops, so another replica runs
// the job at its next tick instead of after expiry.
func (s schedule) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.leases.ReleaseLease(ctx, s.lease, s.holder); err != nil {
		s.log.Warn("cannot release job lease; it ends at its expiry", "err", err)
	}
}
