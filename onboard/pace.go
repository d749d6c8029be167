package onboard

import (
	"context"
	"sync"
	"time"
)

// pace spaces out writes. GitHub's secondary rate limits allow about 80
// content-creating requests a minute (and 500 an hour); each proposal
// makes three (branch, file, pull request), so a run over hundreds of
// repositories must pace its writes rather than its reads.
type pace struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func newPace(perMinute int) *pace {
	if perMinute <= 0 {
		return &pace{}
	}
	return &pace{every: time.Minute / time.Duration(perMinute)}
}

// wait blocks until the next write may go, or ctx ends.
func (p *pace) wait(ctx context.Context) error {
	if p.every == 0 {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.every)
	p.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
