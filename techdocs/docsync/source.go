package docsync

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"callboard"
)

// Source is where an entity's docs live: a directory of a location type
// that Open understands, or (Type "git") a folder of a git repository the
// Syncer clones itself.
type Source struct {
	// Type is the location type: "file", "embedded" (the demo tree) or
	// TypeGit.
	Type string
	// Dir is the docs directory: an absolute slash path for files, a
	// slash path inside the embedded tree for "embedded", a clean relative
	// slash path inside the repository ("." for its root) for git.
	Dir string
	// Repo is the clone URL of a git source (https://host/org/repo,
	// file:///srv/repo.git); Branch its branch or tag, empty for the
	// remote's default branch.
	Repo   string
	Branch string
}

// ResolveSource finds the docs source of e from its backstage.io/techdocs-ref
// annotation, as Backstage's getLocationForEntity does: "dir:" refs are
// relative to the directory of the entity's source location
// (backstage.io/source-location, else backstage.io/managed-by-location).
// A file: or embedded: source-location is Forbidden unless it lies in the
// folder of the managed-by-location the catalog set (see
// checkSourceLocation): a descriptor cannot point the build at server
// folders. A missing or malformed annotation, or a dir that leaves the entity's
// directory ("dir:../.."), is Invalid. url: refs, and dir: refs next to a
// url: location, resolve to a git source (see ParseRepoURL); whether its
// host may be read is checked when the Syncer clones it.
func ResolveSource(e *callboard.Entity) (Source, error) {
	ann := e.Annotation(callboard.AnnotationTechDocsRef)
	typ, target, ok := strings.Cut(ann, ":")
	if !ok || strings.TrimSpace(target) == "" {
		return Source{}, callboard.Errorf(callboard.Invalid, "%s has no valid %s annotation (want dir:. or url:https://...)", e.Ref(), callboard.AnnotationTechDocsRef)
	}
	target = strings.TrimSpace(target)
	switch typ {
	case "url":
		src, err := ParseRepoURL(target)
		if err != nil {
			return Source{}, callboard.Wrap(callboard.Invalid, err, "%s: %s", e.Ref(), callboard.AnnotationTechDocsRef)
		}
		return src, nil
	case "dir":
	default:
		return Source{}, callboard.Errorf(callboard.Invalid, "%s: %s type %q is not supported: use dir: or url:", e.Ref(), callboard.AnnotationTechDocsRef, typ)
	}
	loc := e.Annotation(callboard.AnnotationManagedByLocation)
	if src := e.Annotation(callboard.AnnotationSourceLocation); src != "" {
		if err := checkSourceLocation(src, loc); err != nil {
			return Source{}, callboard.Wrap(callboard.Forbidden, err, "%s", e.Ref())
		}
		loc = src
	}
	locType, locTarget, _ := strings.Cut(loc, ":")
	switch locType {
	case "file", "embedded", "url":
	default:
		return Source{}, callboard.Errorf(callboard.Invalid, "%s: cannot resolve %s against location %q", e.Ref(), callboard.AnnotationTechDocsRef, loc)
	}
	if strings.ContainsAny(target, "\\\x00") || path.IsAbs(target) {
		return Source{}, callboard.Errorf(callboard.Invalid, "%s: %s %q must be a relative folder", e.Ref(), callboard.AnnotationTechDocsRef, ann)
	}
	rel := path.Clean(target)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return Source{}, callboard.Errorf(callboard.Invalid, "%s: %s %q leaves the entity's folder", e.Ref(), callboard.AnnotationTechDocsRef, ann)
	}
	if locType == "url" {
		// The location is a file in a repository (…/blob/main/svc/catalog-info.yaml):
		// the docs are in the same repository, next to it.
		src, err := ParseRepoURL(locTarget)
		if err != nil {
			return Source{}, callboard.Wrap(callboard.Invalid, err, "%s: cannot resolve %s against location %q", e.Ref(), callboard.AnnotationTechDocsRef, loc)
		}
		src.Dir = path.Join(path.Dir(src.Dir), rel)
		return src, nil
	}
	base := path.Dir(strings.ReplaceAll(locTarget, "\\", "/"))
	return Source{Type: locType, Dir: path.Join(base, rel)}, nil
}

// checkSourceLocation refuses a backstage.io/source-location the
// descriptor set itself to reach server folders: a file: or embedded:
// source must be of the type of the catalog-set managed-by-location and
// inside its directory. url: sources become git sources, whose hosts the
// Syncer checks when cloning.
func checkSourceLocation(src, managed string) error {
	srcType, srcTarget, _ := strings.Cut(src, ":")
	if srcType != "file" && srcType != "embedded" {
		return nil
	}
	mType, mTarget, _ := strings.Cut(managed, ":")
	if mType != srcType {
		return callboard.Errorf(callboard.Forbidden, "%s %q: %s sources are allowed only for entities read from a %s location, not %q",
			callboard.AnnotationSourceLocation, src, srcType, srcType, managed)
	}
	srcDir := path.Clean(path.Dir(strings.ReplaceAll(srcTarget, "\\", "/")))
	mDir := path.Clean(path.Dir(strings.ReplaceAll(mTarget, "\\", "/")))
	if srcDir != mDir && !strings.HasPrefix(srcDir, strings.TrimSuffix(mDir, "/")+"/") {
		return callboard.Errorf(callboard.Forbidden, "%s %q is outside the folder %s of the entity's location", callboard.AnnotationSourceLocation, src, mDir)
	}
	return nil
}

// docsDirLine finds docs_dir in mkdocs.yml without a YAML parser: configs
// often carry !!python tags a strict parser refuses, and only this key
// matters for the hash.
var docsDirLine = regexp.MustCompile(`(?m)^docs_dir:\s*['"]?([^'"#\r\n]+?)['"]?\s*(#.*)?$`)

// hashVersion changes when what the hash covers changes, so every site is
// rebuilt once.
const hashVersion = "docsync/1"

// HashTree returns a hash of what a build reads from fsys: mkdocs.yml (or
// mkdocs.yaml) and every file under its docs_dir, names and contents. It
// also covers the callboard version, so a new builder rebuilds every site.
// A source without mkdocs.yml is Invalid.
func HashTree(fsys fs.FS) (string, error) {
	h := sha256.New()
	h.Write([]byte(hashVersion + "\x00" + callboard.Version + "\x00"))
	var cfg []byte
	var err error
	for _, name := range []string{"mkdocs.yml", "mkdocs.yaml"} {
		if cfg, err = fs.ReadFile(fsys, name); err == nil {
			h.Write([]byte(name + "\x00"))
			h.Write(cfg)
			break
		}
	}
	if err != nil {
		return "", callboard.Errorf(callboard.Invalid, "no mkdocs.yml in the docs source")
	}
	docsDir, err := docsFolder(cfg)
	if err != nil {
		return "", err
	}
	var names []string
	err = fs.WalkDir(fsys, docsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return "", callboard.Wrap(callboard.Invalid, err, "read docs_dir %q", docsDir)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", callboard.Wrap(callboard.Invalid, err, "read %s", n)
		}
		sum := sha256.Sum256(b)
		h.Write([]byte(n + "\x00"))
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// docsFolder returns mkdocs.yml's docs_dir (default "docs"), which must
// stay inside the source directory.
func docsFolder(cfg []byte) (string, error) {
	docsDir := "docs"
	if m := docsDirLine.FindSubmatch(cfg); m != nil {
		docsDir = strings.TrimSpace(string(m[1]))
	}
	docsDir = path.Clean(docsDir)
	if path.IsAbs(docsDir) || docsDir == ".." || strings.HasPrefix(docsDir, "../") {
		return "", callboard.Errorf(callboard.Invalid, "mkdocs.yml: docs_dir %q must be a folder inside the source directory", docsDir)
	}
	return docsDir, nil
}

// sourcePaths lists the paths, relative to the source directory, that a
// site is built from (and HashTree hashes): the mkdocs config and docs_dir.
func sourcePaths(fsys fs.FS) []string {
	paths := []string{"mkdocs.yml", "mkdocs.yaml"}
	for _, name := range paths {
		if cfg, err := fs.ReadFile(fsys, name); err == nil {
			if dir, err := docsFolder(cfg); err == nil {
				return append(paths, dir)
			}
			break
		}
	}
	return append(paths, "docs")
}
