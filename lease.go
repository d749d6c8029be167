package callboard

import (
	"context"
	"time"
)

// LeaseStore grants named, expiring leases: replicas sharing one database
// use them so that a scheduled job (a provider's refresh) runs on one
// replica at a time. Time is the database's clock, so replicas whose
// clocks differ still agree on expiry.
type LeaseStore interface {
	// AcquireLease takes the lease called name for holder until ttl from
	// now, and reports whether holder has it: true when the lease was free,
	// had expired, or was already holder's (which renews it); false when
	// another holder has it. Errors: Invalid (empty name or holder, ttl not
	// positive), Internal.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives up holder's lease called name, so another holder
	// may take it at once; a lease holder does not hold is left alone.
	// Errors: Internal.
	ReleaseLease(ctx context.Context, name, holder string) error
}
