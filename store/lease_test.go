package store_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"callboard"
	"callboard/store/storetest"
)

func TestLeases(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			acquire := func(name, holder string, ttl time.Duration) bool {
				t.Helper()
				ok, err := db.AcquireLease(ctx, name, holder, ttl)
				if err != nil {
					t.Fatalf("AcquireLease(%s, %s): %v", name, holder, err)
				}
				return ok
			}
			// Acquire, renew, contention.
			if !acquire("job", "a", time.Hour) {
				t.Fatal("a could not take a free lease")
			}
			if !acquire("job", "a", time.Hour) {
				t.Error("a could not renew its own lease")
			}
			if acquire("job", "b", time.Hour) {
				t.Error("b took a's unexpired lease")
			}
			if holder, live, err := db.Lease(ctx, "job"); err != nil || holder != "a" || !live {
				t.Errorf("Lease(job) = %q, %v, %v; want a, live", holder, live, err)
			}
			if !acquire("other", "b", time.Hour) {
				t.Error("leases are not independent by name")
			}
			// Release: another holder's release is ignored, the holder's frees it.
			if err := db.ReleaseLease(ctx, "job", "b"); err != nil {
				t.Fatal(err)
			}
			if acquire("job", "b", time.Hour) {
				t.Error("b's release of a's lease freed it")
			}
			if err := db.ReleaseLease(ctx, "job", "a"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.Lease(ctx, "job"); callboard.ErrorKind(err) != callboard.NotFound {
				t.Errorf("released lease: %v, want NotFound", err)
			}
			if !acquire("job", "b", time.Hour) {
				t.Error("b could not take a released lease")
			}
			// Expiry by the database's clock: wait until the row says so,
			// then another holder takes it over.
			if !acquire("short", "a", time.Millisecond) {
				t.Fatal("a could not take a free lease")
			}
			for {
				_, live, err := db.Lease(ctx, "short")
				if err != nil {
					t.Fatal(err)
				}
				if !live {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if !acquire("short", "b", time.Hour) {
				t.Error("b could not take over a's expired lease")
			}
			if acquire("short", "a", time.Hour) {
				t.Error("a took back the lease b holds now")
			}
			// Bad input.
			for _, c := range []struct {
				name, holder string
				ttl          time.Duration
			}{{"", "a", time.Hour}, {"job", "", time.Hour}, {"job", "a", 0}} {
				if _, err := db.AcquireLease(ctx, c.name, c.holder, c.ttl); callboard.ErrorKind(err) != callboard.Invalid {
					t.Errorf("AcquireLease(%q, %q, %s): %v, want Invalid", c.name, c.holder, c.ttl, err)
				}
			}
		})
	}
}

// TestLeaseRace has several holders race for one lease at once, free
// (even rounds) or expired (odd rounds): exactly one gets it.
func TestLeaseRace(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			for round := range 6 {
				name := "race" + string(rune('a'+round))
				if round%2 == 1 {
					if ok, err := db.AcquireLease(t.Context(), name, "old", time.Millisecond); err != nil || !ok {
						t.Fatal(ok, err)
					}
					for live := true; live; time.Sleep(time.Millisecond) {
						var err error
						if _, live, err = db.Lease(t.Context(), name); err != nil {
							t.Fatal(err)
						}
					}
				}
				var won atomic.Int32
				var wg sync.WaitGroup
				for i := range 8 {
					wg.Go(func() {
						ok, err := db.AcquireLease(t.Context(), name, string(rune('A'+i)), time.Hour)
						if err != nil {
							t.Error(err)
						}
						if ok {
							won.Add(1)
						}
					})
				}
				wg.Wait()
				if n := won.Load(); n != 1 {
					t.Errorf("%s: %d holders got the lease, want 1", name, n)
				}
			}
		})
	}
}
