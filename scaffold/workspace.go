package scaffold

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"callboard"
)

// stepContext is the callboard.StepContext of one run (or one `each`
// iteration, or one undo) of a step.
type stepContext struct {
	ctx       context.Context
	workspace string // absolute, symlinks resolved
	user      callboard.TaskUser
	template  callboard.TemplateInfo
	dryRun    bool
	logf      func(msg string) // writes one masked line to the task's log
	mask      *masker

	mu      sync.Mutex
	outputs map[string]any
	undo    any
	hasUndo bool
}

var _ callboard.StepContext = (*stepContext)(nil)

func (sc *stepContext) Context() context.Context         { return sc.ctx }
func (sc *stepContext) Workspace() string                { return sc.workspace }
func (sc *stepContext) User() callboard.TaskUser         { return sc.user }
func (sc *stepContext) Template() callboard.TemplateInfo { return sc.template }
func (sc *stepContext) DryRun() bool                     { return sc.dryRun }

func (sc *stepContext) Logf(format string, args ...any) {
	sc.logf(sc.mask.apply(fmt.Sprintf(format, args...)))
}

func (sc *stepContext) Output(name string, value any) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.outputs == nil {
		sc.outputs = map[string]any{}
	}
	sc.outputs[name] = value
}

func (sc *stepContext) SetUndo(state any) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.undo, sc.hasUndo = state, true
}

// Path resolves p inside the workspace. Absolute paths are allowed only
// when they already point inside it; symlinks on the way are followed and
// must stay inside too, so an action cannot be tricked into writing
// through a link the skeleton planted.
func (sc *stepContext) Path(p string) (string, error) {
	return safePath(sc.workspace, p)
}

// safePath is Path for a workspace root that has its symlinks resolved.
func safePath(root, p string) (string, error) {
	full := p
	if !filepath.IsAbs(p) {
		full = filepath.Join(root, p)
	}
	full = filepath.Clean(full)
	if !within(root, full) {
		return "", callboard.Errorf(callboard.Invalid, "path %q is outside the task's workspace", p)
	}
	// Resolve the longest prefix that exists; what does not exist yet
	// cannot be a link.
	existing, rest := full, ""
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", callboard.Wrap(callboard.Internal, err, "resolve %q", p)
		}
		parent := filepath.Dir(existing)
		rest = filepath.Join(filepath.Base(existing), rest)
		if parent == existing {
			break
		}
		existing = parent
	}
	resolved, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", callboard.Errorf(callboard.Invalid, "path %q: a symbolic link on the way points nowhere", p)
	}
	resolved = filepath.Join(resolved, rest)
	if !within(root, resolved) {
		return "", callboard.Errorf(callboard.Invalid, "path %q leads outside the task's workspace through a symbolic link", p)
	}
	return full, nil
}

// within reports whether p is root or below it.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// newWorkspace creates dir and returns it with symlinks resolved.
func newWorkspace(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "create workspace")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "workspace path")
	}
	return filepath.EvalSymlinks(abs)
}
