package policy

import (
	"bytes"
	"context"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"callboard"
)

// Watcher serves the policy of one file and reloads it when the file
// changes. A file that cannot be read or parsed is reported and the previous
// policy stays in force. It implements callboard.Authorizer.
type Watcher struct {
	file     string
	extra    []callboard.Permission // plugin permissions, for Parse
	cur      atomic.Pointer[Policy]
	onReload func(pol *Policy, err error)

	mu    sync.Mutex // guards the fields below: one Check at a time
	mtime time.Time
	size  int64
	data  []byte // contents of the file last tried
}

// NewWatcher loads file. A bad file is an error here: the server does not
// start without a policy. onReload, if not nil, is called after each later
// reload attempt with the new policy or the error that kept the old one.
// extra are the plugins' permissions (see Parse).
func NewWatcher(file string, onReload func(pol *Policy, err error), extra ...callboard.Permission) (*Watcher, error) {
	w := &Watcher{file: file, onReload: onReload, extra: extra}
	if _, err := w.check(); err != nil {
		return nil, err
	}
	return w, nil
}

// Policy returns the policy in force.
func (w *Watcher) Policy() *Policy { return w.cur.Load() }

// Check rereads the file when its modification time or size changed and its
// contents differ from the last attempt. It reports whether a new policy is
// in force, and the error when the new contents were rejected.
func (w *Watcher) Check() (bool, error) {
	changed, err := w.check()
	if w.onReload != nil && (changed || err != nil) {
		w.onReload(w.cur.Load(), err)
	}
	return changed, err
}

func (w *Watcher) check() (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fi, err := os.Stat(w.file)
	if err != nil {
		if w.data != nil && w.size == -1 {
			return false, nil // already reported
		}
		w.size = -1
		return false, callboard.Wrap(callboard.Invalid, err, "policy file %s", w.file)
	}
	if w.data != nil && fi.ModTime().Equal(w.mtime) && fi.Size() == w.size {
		return false, nil
	}
	w.mtime, w.size = fi.ModTime(), fi.Size()
	data, err := os.ReadFile(w.file)
	if err != nil {
		return false, callboard.Wrap(callboard.Invalid, err, "policy file %s", w.file)
	}
	if w.data != nil && bytes.Equal(data, w.data) {
		return false, nil
	}
	w.data = data
	pol, err := Parse(w.file, data, w.extra...)
	if err != nil {
		return false, err
	}
	w.cur.Store(pol)
	return true, nil
}

// Run checks the file every interval until ctx ends.
func (w *Watcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.Check()
		}
	}
}

// Authorize implements callboard.Authorizer with the policy in force.
func (w *Watcher) Authorize(ctx context.Context, p callboard.Principal, perm string, e *callboard.Entity) (bool, error) {
	return w.cur.Load().Authorize(ctx, p, perm, e)
}

// EntityFilter implements callboard.Authorizer with the policy in force.
func (w *Watcher) EntityFilter(ctx context.Context, p callboard.Principal, perm string) (callboard.EntityCondition, error) {
	return w.cur.Load().EntityFilter(ctx, p, perm)
}

// AuthorizeCreated implements callboard.Authorizer with the policy in force.
func (w *Watcher) AuthorizeCreated(ctx context.Context, p callboard.Principal, perm, createdBy string) (bool, error) {
	return w.cur.Load().AuthorizeCreated(ctx, p, perm, createdBy)
}

// CreatorFilter implements callboard.Authorizer with the policy in force.
func (w *Watcher) CreatorFilter(ctx context.Context, p callboard.Principal, perm string) (own, others bool, err error) {
	return w.cur.Load().CreatorFilter(ctx, p, perm)
}

// Interface guards.
var (
	_ callboard.Authorizer = (*Policy)(nil)
	_ callboard.Authorizer = (*Watcher)(nil)
)
