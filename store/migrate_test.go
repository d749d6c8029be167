package store_test

import (
	"context"
	"sync"
	"testing"

	"callboard/store"
	"callboard/store/storetest"
)

// Replicas that start at once on an empty database (a fresh install, or a
// rolling update that brings a migration) all open it: on PostgreSQL the
// migration transaction takes an advisory lock, so one process applies
// each migration and the others wait, then find nothing left to do.
// Without the lock they race to CREATE the same tables and all but one
// fail.
func TestOpenMigratesOnceWhenReplicasStartTogether(t *testing.T) {
	const replicas = 6
	ran := false
	for _, b := range storetest.Backends(t) {
		if b.Name != "postgres" {
			// One SQLite file belongs to one process: replicas need
			// PostgreSQL (the Helm chart refuses SQLite with several pods).
			continue
		}
		ran = true
		t.Run(b.Name, func(t *testing.T) {
			driver, dsn := b.DSN(t)
			var wg sync.WaitGroup
			errs := make([]error, replicas)
			dbs := make([]*store.DB, replicas)
			start := make(chan struct{})
			for i := range replicas {
				wg.Go(func() {
					<-start
					dbs[i], errs[i] = store.Open(context.Background(), driver, dsn)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: open: %v", i, err)
					continue
				}
				dbs[i].Close()
			}
			// The schema is whole: one more open migrates nothing and works.
			db, err := store.Open(context.Background(), driver, dsn)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			db.Close()
		})
	}
	if !ran {
		t.Skip("PostgreSQL is not configured (" + storetest.EnvPostgresURL + ")")
	}
}
