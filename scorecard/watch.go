package scorecard

import (
	"context"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Watcher keeps the scorecards of a list of files in force, reloading
// them when one changes. A reload that fails keeps the previous set; the
// failure is reported to onReload, as are the warnings of one that works.
type Watcher struct {
	files    []string
	builtin  bool
	onReload func(set *Set, err error)

	cur atomic.Pointer[Set]
	mu  sync.Mutex
	// seen is each file's modification time and size at the last attempt.
	seen []stamp
}

type stamp struct {
	mtime time.Time
	size  int64
	err   bool
}

// NewWatcher loads the files (after the built-in scorecard when builtin
// is true). The first load must work: its error is returned.
func NewWatcher(files []string, builtin bool, onReload func(set *Set, err error)) (*Watcher, error) {
	w := &Watcher{files: slices.Clone(files), builtin: builtin, onReload: onReload}
	w.seen = w.stamps()
	set, err := Load(w.files, builtin)
	if err != nil {
		return nil, err
	}
	w.cur.Store(set)
	return w, nil
}

// Set returns the scorecards in force.
func (w *Watcher) Set() *Set { return w.cur.Load() }

// Check reloads the files when one's modification time or size changed,
// and reports whether a new set is in force and the error of a reload
// that was refused.
func (w *Watcher) Check() (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.stamps()
	if slices.Equal(now, w.seen) {
		return false, nil
	}
	w.seen = now
	set, err := Load(w.files, w.builtin)
	if err == nil {
		w.cur.Store(set)
	}
	if w.onReload != nil {
		w.onReload(w.cur.Load(), err)
	}
	return err == nil, err
}

func (w *Watcher) stamps() []stamp {
	out := make([]stamp, len(w.files))
	for i, f := range w.files {
		fi, err := os.Stat(f)
		if err != nil {
			out[i] = stamp{err: true}
			continue
		}
		out[i] = stamp{mtime: fi.ModTime(), size: fi.Size()}
	}
	return out
}

// Run checks the files every interval until ctx ends.
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
