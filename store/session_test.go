package store_test

import (
	"testing"
	"time"

	"callboard"
	"callboard/store/storetest"
)

func TestSessions(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			now := time.Now()
			if err := db.PutSession(ctx, "h1", "user:default/jane", []byte(`{"a":1}`), now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := db.PutSession(ctx, "h2", "user:default/jane", []byte(`{}`), now.Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := db.PutSession(ctx, "h1", "x", nil, now); callboard.ErrorKind(err) != callboard.Conflict {
				t.Errorf("duplicate hash: %v, want Conflict", err)
			}
			if data, err := db.Session(ctx, "h1", now); err != nil || string(data) != `{"a":1}` {
				t.Errorf("Session(h1) = %s, %v", data, err)
			}
			if _, err := db.Session(ctx, "h1", now.Add(2*time.Hour)); callboard.ErrorKind(err) != callboard.NotFound {
				t.Errorf("Session after its end: %v, want NotFound", err)
			}
			if _, err := db.Session(ctx, "h2", now); callboard.ErrorKind(err) != callboard.NotFound {
				t.Errorf("ended session: %v, want NotFound", err)
			}
			if n, err := db.DeleteSessionsBefore(ctx, now); err != nil || n != 1 {
				t.Errorf("DeleteSessionsBefore = %d, %v; want 1", n, err)
			}
			if err := db.DeleteSession(ctx, "h1"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Session(ctx, "h1", now); callboard.ErrorKind(err) != callboard.NotFound {
				t.Errorf("deleted session: %v, want NotFound", err)
			}
			if err := db.DeleteSession(ctx, "h1"); err != nil {
				t.Errorf("deleting a missing session: %v", err)
			}
		})
	}
}
