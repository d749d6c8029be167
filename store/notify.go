package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// changeChannel is the PostgreSQL channel logChanges notifies; the payload
// is the writer's schema, so that databases in other schemas of the same
// server (tests, several portals) do not wake each other's followers.
const changeChannel = "callboard_changes"

// ListenChanges calls wake when another connection commits change-log rows
// to this database, until ctx ends; it returns nil then. On PostgreSQL it
// holds a connection of its own in LISTEN and reconnects (with backoff, up
// to 5 s) when it drops; wake is also called after each (re)connection,
// since notifications sent while it was away are lost. SQLite has no
// notifications: it waits for ctx and followers poll.
func (db *DB) ListenChanges(ctx context.Context, wake func()) error {
	if db.d.changeNotify == "" {
		<-ctx.Done()
		return nil
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			backoff = min(2*backoff, 5*time.Second)
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
	}
	return nil
}

// listenOnce listens on one connection until it fails or ctx ends.
func (db *DB) listenOnce(ctx context.Context, wake func()) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+changeChannel); err != nil {
		return err
	}
	wake()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == schema {
			wake()
		}
	}
}
