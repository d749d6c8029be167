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

func TestSessionsRevoke(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			end := time.Now().Add(time.Hour)
			for hash, subject := range map[string]string{"j1": "user:default/jane", "j2": "user:default/Jane", "o1": "user:default/ops", "o2": "user:default/ops"} {
				if err := db.PutSession(ctx, hash, subject, []byte(`{}`), end); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := db.DeleteUserSessions(ctx, "user:default/JANE"); err != nil || n != 2 {
				t.Errorf("DeleteUserSessions(jane) = %d, %v; want 2", n, err)
			}
			if n, err := db.DeleteUserSessions(ctx, "user:default/nobody"); err != nil || n != 0 {
				t.Errorf("DeleteUserSessions(nobody) = %d, %v; want 0", n, err)
			}
			if _, err := db.Session(ctx, "o1", time.Now()); err != nil {
				t.Errorf("another user's session ended: %v", err)
			}
			if n, err := db.DeleteAllSessions(ctx); err != nil || n != 2 {
				t.Errorf("DeleteAllSessions = %d, %v; want 2", n, err)
			}
			if _, err := db.Session(ctx, "o2", time.Now()); callboard.ErrorKind(err) != callboard.NotFound {
				t.Errorf("session after revoking all: %v, want NotFound", err)
			}
		})
	}
}
