package github

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"callboard"
	"callboard/store/storetest"
)

// countingLeases counts AcquireLease calls, to wait for renewals by
// count rather than by time.
type countingLeases struct {
	callboard.LeaseStore
	acquires atomic.Int32
}

func (c *countingLeases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	c.acquires.Add(1)
	return c.LeaseStore.AcquireLease(ctx, name, holder, ttl)
}

func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool) error {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			return errors.New("gave up waiting for " + what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// TestTickRenewsLeaseDuringLongRun: a run lasting several lease lengths
// keeps the lease, so another replica cannot start the same provider.
func TestTickRenewsLeaseDuringLongRun(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			leases := &countingLeases{LeaseStore: db}
			s := Schedule{Frequency: 300 * time.Millisecond, Timeout: time.Hour, Leases: leases, Holder: "a"}
			var runErr error
			ran := false
			tick(t.Context(), s, slog.New(slog.DiscardHandler), "p", func(ctx context.Context) error {
				ran = true
				// The first acquire and three renewals, each half a lease
				// apart: past the first lease's end.
				if runErr = waitUntil(t, ctx, "three renewals", func() bool { return leases.acquires.Load() >= 4 }); runErr != nil {
					return runErr
				}
				ok, err := db.AcquireLease(t.Context(), "p", "b", time.Hour)
				if err != nil || ok {
					runErr = errors.New("another holder took the lease during the run")
				}
				return nil
			})
			if !ran || runErr != nil {
				t.Fatalf("ran %v: %v", ran, runErr)
			}
		})
	}
}

// TestTickCancelsRunWhenLeaseIsLost: when another holder has taken the
// lease (the run stalled past its end), the renewal cancels the run so
// the two do not apply the same provider's mutation.
func TestTickCancelsRunWhenLeaseIsLost(t *testing.T) {
	db := storetest.Open(t)
	s := Schedule{Frequency: 100 * time.Millisecond, Timeout: time.Hour, Leases: db, Holder: "a"}
	var cause error
	tick(t.Context(), s, slog.New(slog.DiscardHandler), "p", func(ctx context.Context) error {
		// Simulate the lease passing to b while a is still running.
		if err := db.ReleaseLease(ctx, "p", "a"); err != nil {
			cause = err
			return err
		}
		if ok, err := db.AcquireLease(ctx, "p", "b", time.Hour); err != nil || !ok {
			cause = errors.New("b could not take the released lease")
			return cause
		}
		select {
		case <-ctx.Done():
			cause = ctx.Err()
		case <-time.After(30 * time.Second):
			cause = errors.New("the run was not cancelled")
		}
		return cause
	})
	if !errors.Is(cause, context.Canceled) {
		t.Fatalf("run ended with %v, want context.Canceled", cause)
	}
	if holder, _, err := db.Lease(t.Context(), "p"); err != nil || holder != "b" {
		t.Errorf("lease holder = %q, %v; want b (a must not take it back)", holder, err)
	}
}

// TestTickWithoutLeaseSkips: a tick on a replica that does not hold the
// lease does not run.
func TestTickWithoutLeaseSkips(t *testing.T) {
	db := storetest.Open(t)
	if ok, err := db.AcquireLease(t.Context(), "p", "b", time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	s := Schedule{Frequency: time.Hour, Timeout: time.Hour, Leases: db, Holder: "a"}
	tick(t.Context(), s, slog.New(slog.DiscardHandler), "p", func(context.Context) error {
		t.Error("ran without the lease")
		return nil
	})
}
