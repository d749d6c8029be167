package callboard

import (
	"context"
	"encoding/json"
)

// IDPSnapshot is the IDP metrics as computed on one UTC day.
type IDPSnapshot struct {
	Day  string          `json:"day"` // YYYY-MM-DD
	Body json.RawMessage `json:"metrics"`
}

// IDPStore keeps what the IDP metrics need in the database, so that every
// replica answers the same and trends survive restarts. Active users are
// kept as counts: a month's distinct users are hashes of their refs until
// the month is closed, then a number.
type IDPStore interface {
	// RecordActiveUser notes that the user whose ref hashes to userHash
	// was signed in during month (YYYY-MM); again is a no-op. Errors:
	// Invalid (empty month or hash), Internal.
	RecordActiveUser(ctx context.Context, month, userHash string) error
	// ActiveUsers returns how many distinct users month had: its count
	// when closed, its rows otherwise. Errors: Internal.
	ActiveUsers(ctx context.Context, month string) (int, error)
	// CloseIDPMonths folds every month before before (YYYY-MM) into its
	// count and drops its user hashes. Errors: Internal.
	CloseIDPMonths(ctx context.Context, before string) error
	// PutIDPSnapshot replaces the snapshot of day. Errors: Invalid (no
	// day), Internal.
	PutIDPSnapshot(ctx context.Context, day string, body json.RawMessage) error
	// IDPSnapshots returns the snapshots from day since on, oldest
	// first. Errors: Internal.
	IDPSnapshots(ctx context.Context, since string) ([]IDPSnapshot, error)
}
