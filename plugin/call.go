package plugin

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"callboard"
)

// DefaultTimeout bounds a plugin's render or facts call when the host is
// given no other (app-config plugins.timeout).
const DefaultTimeout = 3 * time.Second

// Call runs fn in its own goroutine with a context that ends after
// timeout, and returns fn's error. When the time runs out first, Call
// returns an Upstream error "no answer within <timeout>" at once; fn goes
// on until it returns, so it should honour its context. A panic in fn is
// an Internal error holding the panic value and the stack, for the log.
// Hosts call every plugin function through Call, so one plugin cannot
// hold up or crash a page.
func Call(ctx context.Context, timeout time.Duration, fn func(ctx context.Context) error) error {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// Only Call cancels ctx, once it has its answer: fn's own return must
	// not race with its result.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1) // buffered: a late fn does not block
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- callboard.Wrap(callboard.Internal, fmt.Errorf("%v\n%s", v, debug.Stack()), "panic")
			}
		}()
		done <- fn(ctx)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done: // answered as the time ran out
		default:
			err = ctx.Err()
		}
	}
	// fn giving up with its context's own error is the time running out,
	// whichever of the two Call saw first.
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == context.DeadlineExceeded {
		return callboard.Errorf(callboard.Upstream, "no answer within %s", timeout)
	}
	return err
}
