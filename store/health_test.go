package store_test

import (
	"testing"

	"callboard"
	"callboard/store/storetest"
)

// TestReadiness: an open, migrated database passes Ping and Migrated; a
// missing migration is named; a closed one is unreachable.
func TestReadiness(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			if err := db.Ping(ctx); err != nil {
				t.Errorf("Ping = %v, want nil", err)
			}
			if err := db.Migrated(ctx); err != nil {
				t.Errorf("Migrated = %v, want nil", err)
			}
			if _, err := db.SQL().ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = '0002_tasks'`); err != nil {
				t.Fatal(err)
			}
			err := db.Migrated(ctx)
			if callboard.ErrorKind(err) != callboard.Upstream || callboard.ErrorMessage(err) != "not applied: 0002_tasks" {
				t.Errorf("Migrated with 0002 unrecorded = %v, want Upstream not applied: 0002_tasks", err)
			}
			db.Close()
			for name, check := range map[string]func() error{
				"Ping": func() error { return db.Ping(ctx) }, "Migrated": func() error { return db.Migrated(ctx) },
			} {
				if err := check(); callboard.ErrorKind(err) != callboard.Upstream {
					t.Errorf("%s on a closed database = %v, want Upstream", name, err)
				}
			}
		})
	}
}
