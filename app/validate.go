package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"callboard"
	"callboard/catalog"
	"callboard/descriptor"
)

const validateUsage = `Usage: callboard catalog validate [--format text|json] PATH...

Checks catalog descriptor files as Backstage's catalog would.
A PATH is a file or a directory. Files named on the command line are always
checked. In a directory, every catalog-info.yaml/.yml is checked, and so is
any other *.yaml/*.yml file with a document whose apiVersion is
backstage.io/... or *.backstage.io/... (so Kubernetes manifests, CI files and
OpenAPI documents next to them are left alone). Hidden directories,
node_modules, vendor and skeleton (scaffolder template skeletons, which are
descriptors only after rendering) are skipped.

Placeholders ($text, $json, $yaml) that name files are read, but only inside
the repository: the nearest directory holding .git above the directory given
(or the named file's directory), else that directory. So
.backstage/catalog-info.yaml may read ../api-spec/openapi.yaml, as the catalog
reads placeholders only inside a file location's root. URL placeholders are
not fetched; they are listed as notes, not problems.

Exits 1 when there is any problem.
`

// validateReport is the result of a validate run; it is also the JSON
// output.
type validateReport struct {
	Files    int                  `json:"files"`
	Entities int                  `json:"entities"`
	Problems []descriptor.Problem `json:"problems"`
	Skipped  []skippedPlaceholder `json:"skipped,omitempty"`
	seen     map[string]string    // entity ref -> "file:line" of its first definition
}

// skippedPlaceholder is a URL placeholder that was not fetched.
type skippedPlaceholder struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Target string `json:"target"`
}

// runValidate implements "callboard catalog validate".
func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("catalog validate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, validateUsage) }
	format := flags.String("format", "text", "output format: text or json")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errSilent // flag has printed the error and the usage
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format must be text or json, not %q", *format)
	}
	if flags.NArg() == 0 {
		fmt.Fprint(stderr, validateUsage)
		return errSilent
	}

	rep := &validateReport{Problems: []descriptor.Problem{}, seen: map[string]string{}}
	for _, arg := range flags.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rep.checkPath(ctx, arg)
	}

	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintln(stdout, p)
		}
		for _, s := range rep.Skipped {
			fmt.Fprintf(stdout, "%s:%d: %s: note: %s was not fetched (validate reads no URLs)\n", s.File, s.Line, s.Field, s.Target)
		}
		fmt.Fprintf(stdout, "checked %s, %s: %s\n",
			plural(rep.Files, "file"), plural(rep.Entities, "entity"), plural(len(rep.Problems), "problem"))
	}
	if len(rep.Problems) > 0 {
		return errSilent
	}
	return nil
}

func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "y"):
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// skipDirs are directories the walk does not enter: dependencies, and
// scaffolder skeletons, whose descriptors are templates until rendered.
var skipDirs = map[string]bool{"node_modules": true, "vendor": true, "skeleton": true}

// checkPath checks one command-line argument, a file or a directory.
func (r *validateReport) checkPath(ctx context.Context, arg string) {
	info, err := os.Stat(arg)
	if err != nil {
		r.Problems = append(r.Problems, descriptor.Problem{File: arg, Message: "cannot read: " + pathError(err)})
		return
	}
	if !info.IsDir() {
		r.checkFile(ctx, arg, repoRoot(filepath.Dir(arg)), true)
		return
	}
	root := repoRoot(arg)
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			r.Problems = append(r.Problems, descriptor.Problem{File: p, Message: "cannot read: " + pathError(err)})
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != arg && (strings.HasPrefix(name, ".") || skipDirs[name]) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			r.checkFile(ctx, p, root, name == "catalog-info.yaml" || name == "catalog-info.yml")
		}
		return ctx.Err()
	})
	if err != nil && ctx.Err() == nil {
		r.Problems = append(r.Problems, descriptor.Problem{File: arg, Message: "cannot walk: " + err.Error()})
	}
}

// backstageAPIVersion finds a Backstage apiVersion line even in a file
// that does not parse, so a broken descriptor is reported, not skipped.
var backstageAPIVersion = regexp.MustCompile(`(?m)^[\s-]*apiVersion:\s*["']?([a-z0-9-]+\.)*backstage\.io/`)

// checkFile checks one file. A file that is not explicit (found by walking
// and not named catalog-info) is skipped unless it looks like a descriptor.
func (r *validateReport) checkFile(ctx context.Context, file, root string, explicit bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		r.Problems = append(r.Problems, descriptor.Problem{File: file, Message: "cannot read: " + pathError(err)})
		return
	}
	if !explicit && !backstageAPIVersion.Match(data) {
		return
	}
	r.Files++
	// The operator's own files, like catalog.locations entries, may be big
	// exports of one kind.
	docs, problems := descriptor.ParseWith(file, data, descriptor.Limits{MaxFileBytes: descriptor.DefaultMaxTrustedFileBytes})
	r.Problems = append(r.Problems, problems...)
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	var cache descriptor.ReadCache // a target named many times is read once
	read := cache.Wrap(diskReader(root, filepath.Dir(abs)))
	for _, d := range docs {
		r.Entities++
		failed := map[string]bool{}
		for _, p := range descriptor.ResolvePlaceholders(ctx, d, abs, read, nil) {
			failed[p.Field] = true
			r.Problems = append(r.Problems, p)
		}
		if d.OverLimit() {
			continue // the catalog rejects it whole; its fields say nothing more
		}
		for _, s := range d.Skipped() {
			r.Skipped = append(r.Skipped, skippedPlaceholder{File: file, Line: d.LineOf(s.Field), Field: s.Field, Target: s.Target})
		}
		e, ps := descriptor.Validate(d)
		for _, p := range ps {
			// A placeholder that failed left its field empty; saying that
			// the field is missing too would only repeat the problem.
			if !failed[p.Field] {
				r.Problems = append(r.Problems, p)
			}
		}
		if e == nil {
			continue
		}
		at := fmt.Sprintf("%s:%d", file, d.Line)
		ref := e.Ref().String()
		if first, dup := r.seen[ref]; dup {
			r.Problems = append(r.Problems, descriptor.Problem{File: file, Line: d.Line, Field: "metadata.name",
				Message: fmt.Sprintf("%s is already defined at %s; the catalog keeps only one of them", ref, first)})
		} else {
			r.seen[ref] = at
		}
		for _, p := range edgeProblems(e) {
			p.File, p.Line = file, d.LineOf(p.Field)
			r.Problems = append(r.Problems, p)
		}
	}
}

// edgeProblems returns Edges' problems; Validate already reports bad refs,
// so this only matters for refs Validate accepted and Edges did not.
func edgeProblems(e *callboard.Entity) []descriptor.Problem {
	_, ps := descriptor.Edges(e)
	return ps
}

// repoRoot returns the repository dir lies in: the nearest directory
// holding .git (a directory, or a file in a worktree), else dir itself.
func repoRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return abs
		}
	}
}

// diskReader reads placeholder files inside root only, with the catalog's
// rule (symlinks resolved, regular files only), and skips URLs: validate
// works offline. from is the directory of the file being checked.
func diskReader(root, from string) descriptor.ReadFunc {
	return func(_ context.Context, target string) ([]byte, error) {
		if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
			return nil, descriptor.ErrSkip
		}
		if rel, err := filepath.Rel(root, target); err != nil || !filepath.IsLocal(rel) {
			return nil, callboard.Errorf(callboard.Forbidden, "refused: %s is outside the repository %s; placeholders read files only inside the repository", target, root)
		}
		return catalog.ReadInRoot(root, from, target, descriptor.DefaultMaxPlaceholderBytes)
	}
}

// pathError strips the operation and path that *PathError repeats.
func pathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
