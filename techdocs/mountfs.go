package techdocs

import (
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// mountFS is docs_dir with the monorepo plugin's sub-sites mounted in it:
// each included mkdocs.yml's docs_dir appears at its site_name
// ("versions/v1"), so that one scan, one page table and one nav cover the
// merged site, as the plugin merges them before MkDocs builds.
type mountFS struct {
	root   fs.FS
	mounts []mountPoint
}

// mountPoint is one sub-site: its docs at alias, read from srcDir (its
// docs_dir relative to the source root).
type mountPoint struct {
	alias  string
	srcDir string
	fsys   fs.FS
}

// route returns the file system and the name within it that serve name.
func (m *mountFS) route(name string) (fs.FS, string, bool) {
	for _, mp := range m.mounts {
		if name == mp.alias {
			return mp.fsys, ".", true
		}
		if strings.HasPrefix(name, mp.alias+"/") {
			return mp.fsys, name[len(mp.alias)+1:], true
		}
	}
	return m.root, name, false
}

// synthetic returns the folders that exist in dir only because a mount
// lies below them: the next name of each alias under dir.
func (m *mountFS) synthetic(dir string) []string {
	var out []string
	seen := map[string]bool{}
	for _, mp := range m.mounts {
		rest := mp.alias
		if dir != "." {
			if !strings.HasPrefix(mp.alias, dir+"/") {
				continue
			}
			rest = mp.alias[len(dir)+1:]
		}
		next, _, _ := strings.Cut(rest, "/")
		if !seen[next] {
			seen[next] = true
			out = append(out, next)
		}
	}
	return out
}

func (m *mountFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if f, rest, ok := m.route(name); ok {
		return f.Open(rest)
	}
	file, err := m.root.Open(name)
	if err != nil && len(m.synthetic(name)) > 0 {
		return &syntheticDir{m: m, name: name}, nil
	}
	return file, err
}

func (m *mountFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if f, rest, ok := m.route(name); ok {
		return fs.ReadDir(f, rest)
	}
	entries, err := fs.ReadDir(m.root, name)
	syn := m.synthetic(name)
	if err != nil && (len(syn) == 0 || !errors.Is(err, fs.ErrNotExist)) {
		return nil, err
	}
	byName := map[string]fs.DirEntry{}
	for _, e := range entries {
		byName[e.Name()] = e
	}
	for _, s := range syn {
		p := s
		if name != "." {
			p = name + "/" + s
		}
		info, err := m.Stat(p)
		if err != nil {
			return nil, err
		}
		byName[s] = fs.FileInfoToDirEntry(renamed{info, s}) // a mount's root has its folder's name
	}
	out := make([]fs.DirEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

func (m *mountFS) Stat(name string) (fs.FileInfo, error) {
	if f, rest, ok := m.route(name); ok {
		return fs.Stat(f, rest)
	}
	info, err := fs.Stat(m.root, name)
	if err != nil && len(m.synthetic(name)) > 0 {
		return syntheticInfo(path.Base(name)), nil
	}
	return info, err
}

func (m *mountFS) Lstat(name string) (fs.FileInfo, error) {
	if f, rest, ok := m.route(name); ok {
		return fs.Lstat(f, rest)
	}
	info, err := fs.Lstat(m.root, name)
	if err != nil && len(m.synthetic(name)) > 0 {
		return syntheticInfo(path.Base(name)), nil
	}
	return info, err
}

func (m *mountFS) ReadLink(name string) (string, error) {
	f, rest, _ := m.route(name)
	return fs.ReadLink(f, rest)
}

// srcName returns the path of docs file p relative to the source root,
// and the docs folder it is in: the mount's when p is in a sub-site.
func (m *mountFS) srcName(docsDir, p string) (string, string) {
	for _, mp := range m.mounts {
		if p == mp.alias || strings.HasPrefix(p, mp.alias+"/") {
			rest := strings.TrimPrefix(strings.TrimPrefix(p, mp.alias), "/")
			return path.Join(mp.srcDir, rest), mp.srcDir
		}
	}
	if docsDir == "." {
		return p, docsDir
	}
	return docsDir + "/" + p, docsDir
}

// syntheticDir is an open folder that holds only mounts.
type syntheticDir struct {
	m    *mountFS
	name string
	read bool
}

func (d *syntheticDir) Stat() (fs.FileInfo, error) { return syntheticInfo(path.Base(d.name)), nil }
func (d *syntheticDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *syntheticDir) Close() error { return nil }
func (d *syntheticDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.read {
		return nil, nil
	}
	d.read = true
	return d.m.ReadDir(d.name)
}

// renamed is info under another name.
type renamed struct {
	fs.FileInfo
	name string
}

func (r renamed) Name() string { return r.name }

// syntheticInfo describes a folder made by mounts.
type syntheticInfo string

func (s syntheticInfo) Name() string       { return string(s) }
func (s syntheticInfo) Size() int64        { return 0 }
func (s syntheticInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (s syntheticInfo) ModTime() time.Time { return time.Time{} }
func (s syntheticInfo) IsDir() bool        { return true }
func (s syntheticInfo) Sys() any           { return nil }
