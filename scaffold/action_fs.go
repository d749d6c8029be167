package scaffold

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"callboard"
)

// FSDeleteInput is fs:delete's input.
type FSDeleteInput struct {
	Files []string `json:"files" required:"true" description:"A list of files and directories (globs allowed) that will be deleted"`
}

// FSRenameInput is fs:rename's input.
type FSRenameInput struct {
	Files []FSRenameFile `json:"files" required:"true" description:"A list of file and directory names that will be renamed"`
}

// FSRenameFile is one rename.
type FSRenameFile struct {
	From      string `json:"from" required:"true" description:"The source location of the file to be renamed"`
	To        string `json:"to" required:"true" description:"The destination of the new file"`
	Overwrite bool   `json:"overwrite" description:"Overwrite existing file or directory, default is false"`
}

// fsDelete deletes files and globs in the workspace.
func fsDelete(sc callboard.StepContext, in FSDeleteInput) error {
	for _, pattern := range in.Files {
		if _, err := sc.Path(pattern); err != nil { // a glob that climbs out
			return err
		}
		matches, err := workspaceGlob(sc.Workspace(), pattern)
		if err != nil {
			return err
		}
		for _, m := range matches {
			p, err := sc.Path(m)
			if err != nil {
				return err
			}
			if p == sc.Workspace() {
				return callboard.Errorf(callboard.Invalid, "fs:delete will not delete the whole workspace")
			}
			if err := os.RemoveAll(p); err != nil {
				return callboard.Wrap(callboard.Internal, err, "delete %s", m)
			}
			sc.Logf("Deleted %s", m)
		}
	}
	return nil
}

// workspaceGlob matches pattern ("**" crosses directories) against the
// workspace's paths, relative and slash-separated.
func workspaceGlob(root, pattern string) ([]string, error) {
	pattern = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(pattern)), "./")
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if callboard.MatchPath(pattern, rel) {
			out = append(out, rel)
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "list the workspace")
	}
	return out, nil
}

// fsRename renames files in the workspace.
func fsRename(sc callboard.StepContext, in FSRenameInput) error {
	for i, f := range in.Files {
		if f.From == "" || f.To == "" {
			return callboard.Errorf(callboard.Invalid, "input.files[%d] needs from and to", i)
		}
		from, err := sc.Path(f.From)
		if err != nil {
			return err
		}
		to, err := sc.Path(f.To)
		if err != nil {
			return err
		}
		if _, err := os.Lstat(from); errors.Is(err, fs.ErrNotExist) {
			return callboard.Errorf(callboard.Invalid, "input.files[%d].from: %s does not exist", i, f.From)
		}
		if _, err := os.Lstat(to); err == nil {
			if !f.Overwrite {
				return callboard.Errorf(callboard.Conflict, "input.files[%d].to: %s exists; set overwrite: true to replace it", i, f.To)
			}
			if err := os.RemoveAll(to); err != nil {
				return callboard.Wrap(callboard.Internal, err, "replace %s", f.To)
			}
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return callboard.Wrap(callboard.Internal, err, "create directory for %s", f.To)
		}
		if err := os.Rename(from, to); err != nil {
			return callboard.Wrap(callboard.Internal, err, "rename %s to %s", f.From, f.To)
		}
		sc.Logf("Renamed %s to %s", f.From, f.To)
	}
	return nil
}
