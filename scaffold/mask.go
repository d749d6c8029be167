package scaffold

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// masker hides from a task's log, errors, step input echoes and stored
// outputs what they must not show: the task's secrets, every string the
// templates derived from them (learnt as the steps render, see taint.go),
// and the server's directories (the workspace, the template's directory,
// the temp directory), which become relative paths. It is safe for
// concurrent use.
type masker struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret containing another is masked whole
	dirs    []dirRule
}

// dirRule turns paths under dir into paths relative to it, and dir itself
// into name.
type dirRule struct{ dir, name string }

func newMasker(secrets map[string]string) *masker {
	m := &masker{}
	for _, v := range secrets {
		m.add(v)
	}
	return m
}

// add makes the masker hide s wherever it appears from now on.
func (m *masker) add(s string) {
	if s == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.secrets {
		if v == s {
			return
		}
	}
	m.secrets = append(m.secrets, s)
	sort.SliceStable(m.secrets, func(i, j int) bool { return len(m.secrets[i]) > len(m.secrets[j]) })
}

// hideDir makes paths under dir (and the same directory with its symbolic
// links resolved) show relative to it, and dir itself as name.
func (m *masker) hideDir(dir, name string) {
	if dir == "" || !filepath.IsAbs(dir) || filepath.Dir(dir) == dir {
		return
	}
	dirs := []string{filepath.Clean(dir)}
	if r, err := filepath.EvalSymlinks(dir); err == nil && r != dirs[0] {
		dirs = append(dirs, r)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range dirs {
		m.dirs = append(m.dirs, dirRule{dir: d, name: name})
	}
	// Deepest first: the workspace inside the temp directory is the
	// workspace, not a folder of the temp directory.
	sort.SliceStable(m.dirs, func(i, j int) bool { return len(m.dirs[i].dir) > len(m.dirs[j].dir) })
}

// apply returns s with secrets, what was derived from them, and server
// directories hidden.
func (m *masker) apply(s string) string {
	if m == nil {
		return s
	}
	s = m.hideSecrets(s)
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, r := range m.dirs {
		s = replaceDir(s, r.dir, r.name)
	}
	return s
}

// hideSecrets returns s with secrets and what was derived from them
// hidden.
func (m *masker) hideSecrets(s string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, v := range m.secrets {
		s = strings.ReplaceAll(s, v, "***")
	}
	return s
}

// value returns a copy of v (a JSON-shaped value) with every string, and
// every map key, masked by apply.
func (m *masker) value(v any) any { return walkStrings(v, m.apply) }

// secretsIn returns a copy of v with the secrets in its strings and keys
// hidden, paths left alone: for step outputs, which later steps read.
func (m *masker) secretsIn(v any) any { return walkStrings(v, m.hideSecrets) }

func walkStrings(v any, f func(string) string) any {
	switch t := v.(type) {
	case string:
		return f(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[f(k)] = walkStrings(x, f)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = walkStrings(x, f)
		}
		return out
	}
	return v
}

// replaceDir replaces dir+"/rest" (or file://dir/rest) by "rest" and dir
// alone by name, where dir starts a path: not in the middle of a word or
// of a longer path ("https://host/tmp/x" keeps its /tmp).
func replaceDir(s, dir, name string) string {
	if !strings.Contains(s, dir) {
		return s
	}
	sep := string(os.PathSeparator)
	var b strings.Builder
	for {
		i := strings.Index(s, dir)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end, start := i+len(dir), i
		if strings.HasSuffix(s[:i], "file://") {
			start -= len("file://")
		}
		startsPath := start < i || i == 0 || !isPathChar(s[i-1])
		switch {
		case startsPath && strings.HasPrefix(s[end:], sep):
			b.WriteString(s[:start])
			end += len(sep)
		case startsPath && (end == len(s) || !isPathChar(s[end])):
			b.WriteString(s[:start])
			b.WriteString(name)
		default:
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

// isPathChar reports whether c continues a word or a path.
func isPathChar(c byte) bool {
	return c == '/' || c == '\\' || c == '.' || c == '-' || c == '_' || c == '~' ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
