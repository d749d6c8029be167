package callboard

import (
	"context"
	"time"
)

// Kinds of change-log rows: what changed, named by Change.Key.
const (
	ChangeEntity   = "entity"   // Key: the entity's canonical ref (lowercased)
	ChangeLocation = "location" // Key: the location's ID
	ChangeTask     = "task"     // Key: the task's ID; its status changed
	ChangeDocs     = "docs"     // Key: the entity ref whose docs were published
)

// Change is one row of the change log: every write to entities (their
// relations included), locations, task states and docs builds appends one
// in the same transaction, so that replicas sharing the database can bring
// their in-memory state up to date from the sequence they have seen.
type Change struct {
	Seq    int64     // increasing in commit order (see store's logChanges)
	Kind   string    // ChangeEntity, ChangeLocation, ChangeTask or ChangeDocs
	Key    string    // what changed, by kind
	Origin string    // the writing process's ID (ChangeLog.SetOrigin); "" if none
	At     time.Time // when it was written, by the database's clock
}

// ChangeLog is the database's log of changes, read by replicas.
type ChangeLog interface {
	// Changes returns up to limit changes with Seq > after, in Seq order.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// ChangeBounds returns the oldest and the newest row still kept, and
	// the database's clock now; zero Changes when the log is empty.
	ChangeBounds(ctx context.Context) (oldest, newest Change, now time.Time, err error)
	// AppendChanges logs changes made outside the database (a docs site
	// published to a bucket), one row per key.
	AppendChanges(ctx context.Context, kind string, keys ...string) error
	// PruneChanges deletes rows older than age, always keeping the newest
	// one, and returns how many it deleted.
	PruneChanges(ctx context.Context, age time.Duration) (int64, error)
}
