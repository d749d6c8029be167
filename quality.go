package callboard

import (
	"context"
	"time"
)

// SourceReadStore keeps when each catalog file was last read without
// failing, so that data quality can tell entities whose source has not
// been refreshed for long (stale) across restarts and replicas.
type SourceReadStore interface {
	// PutSourceReads records reads (file "type:target" -> time); an older
	// time than the stored one is ignored. Errors: Internal.
	PutSourceReads(ctx context.Context, reads map[string]time.Time) error
	// SourceReads returns every recorded read. Errors: Internal.
	SourceReads(ctx context.Context) (map[string]time.Time, error)
}
