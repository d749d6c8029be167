package onboard

import (
	"context"
	"sync"
	"time"
)

// pace spaces out writes. GitHub's secondary rate limits allow about 80
// content-creating requests a minute and 500 an hour; each proposal makes
// three (branch, file, pull request). So writes go at most perMinute a
// minute and perHour in any hour: a run over a hundred repositories goes
// at full speed, a larger one pauses when the hour's budget is spent.
type pace struct {
	mu      sync.Mutex
	every   time.Duration
	perHour int
	next    time.Time
	recent  []time.Time // start times of the writes of the last hour
	// notify, when set, hears of waits longer than ten seconds.
	notify func(until time.Time)
}

func newPace(perMinute, perHour int) *pace {
	p := &pace{perHour: max(perHour, 0)}
	if perMinute > 0 {
		p.every = time.Minute / time.Duration(perMinute)
	}
	return p
}

// wait blocks until the next write may go, or ctx ends.
func (p *pace) wait(ctx context.Context) error {
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	if p.perHour > 0 {
		for len(p.recent) > 0 && p.recent[0].Add(time.Hour).Before(at) {
			p.recent = p.recent[1:]
		}
		if len(p.recent) >= p.perHour {
			at = p.recent[len(p.recent)-p.perHour].Add(time.Hour)
		}
		p.recent = append(p.recent, at)
	}
	p.next = at.Add(p.every)
	p.mu.Unlock()
	if d := time.Until(at); d > 10*time.Second && p.notify != nil {
		p.notify(at)
	}
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
