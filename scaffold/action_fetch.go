package scaffold

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"callboard"
	"callboard/scaffold/render"
)

// FetchPlainInput is fetch:plain's input.
type FetchPlainInput struct {
	URL        string `json:"url" required:"true" description:"Relative path or absolute URL of the directory tree to fetch"`
	TargetPath string `json:"targetPath" description:"Target path within the working directory to download the contents to"`
	Token      string `json:"token" description:"An optional token to use for authentication when reading the resources"`
}

// FetchPlainFileInput is fetch:plain:file's input.
type FetchPlainFileInput struct {
	URL        string `json:"url" required:"true" description:"Relative path or absolute URL of the file to fetch"`
	TargetPath string `json:"targetPath" required:"true" description:"Target path within the working directory to download the file as"`
	Token      string `json:"token" description:"An optional token to use for authentication when reading the resources"`
}

// FetchTemplateInput is fetch:template's input.
type FetchTemplateInput struct {
	URL                   string         `json:"url" required:"true" description:"Relative path or absolute URL pointing to the directory tree to fetch"`
	TargetPath            string         `json:"targetPath" description:"Target path within the working directory to generate contents to. Defaults to the working directory root."`
	Values                map[string]any `json:"values" description:"Values to pass on to the templating engine"`
	CopyWithoutRender     []string       `json:"copyWithoutRender" description:"Removed in Backstage's scaffolder 4.3: accepted, ignored with a warning (the files are rendered); use copyWithoutTemplating"`
	CopyWithoutTemplating []string       `json:"copyWithoutTemplating" description:"Globs of files and directories whose contents are copied without templating; their paths are still templated"`
	CookiecutterCompat    bool           `json:"cookiecutterCompat" description:"Enable features to maximise compatibility with templates built for fetch:cookiecutter"`
	TemplateFileExtension any            `json:"templateFileExtension" description:"If set, only files with the given extension (true means .njk) are templated, and the extension is removed"`
	Replace               bool           `json:"replace" description:"If set, replace files in targetPath instead of skipping existing ones"`
	TrimBlocks            bool           `json:"trimBlocks" description:"If set, the first newline after a block is removed"`
	LstripBlocks          bool           `json:"lstripBlocks" description:"If set, leading spaces and tabs are stripped from the start of a line to a block"`
	Token                 string         `json:"token" description:"An optional token to use for authentication when reading the resources"`
}

// fetchPlain copies a directory tree into the workspace.
func (b *Builtins) fetchPlain(sc callboard.StepContext, in FetchPlainInput) error {
	src, err := b.tree(sc, in.URL)
	if err != nil {
		return err
	}
	dst, err := sc.Path(in.TargetPath)
	if err != nil {
		return err
	}
	n, err := copyTree(sc, src, dst)
	if err != nil {
		return err
	}
	sc.Logf("Fetched %d file(s) from %s into %s", n, in.URL, displayPath(in.TargetPath))
	return nil
}

// fetchPlainFile copies one file into the workspace.
func (b *Builtins) fetchPlainFile(sc callboard.StepContext, in FetchPlainFileInput) error {
	u, err := resolveURL(sc.Template().BaseURL, in.URL)
	if err != nil {
		return err
	}
	data, err := b.Fetcher.FetchFile(sc.Context(), u)
	if err != nil {
		return err
	}
	dst, err := sc.Path(in.TargetPath)
	if err != nil {
		return err
	}
	if err := writeFile(dst, data, 0o644); err != nil {
		return err
	}
	sc.Logf("Fetched %s into %s", in.URL, in.TargetPath)
	return nil
}

// fetchTemplate renders a skeleton into the workspace.
func (b *Builtins) fetchTemplate(sc callboard.StepContext, in FetchTemplateInput) error {
	ext, err := render.TemplateExtension(in.TemplateFileExtension)
	if err != nil {
		return err
	}
	if ext != "" && len(in.CopyWithoutTemplating) > 0 {
		return callboard.Errorf(callboard.Invalid, "input.templateFileExtension cannot be combined with copyWithoutTemplating")
	}
	if len(in.CopyWithoutRender) > 0 {
		// Backstage's scaffolder 4.3 removed the option: the files it
		// lists are rendered like the others.
		sc.Logf("Warning: copyWithoutRender was removed in Backstage's scaffolder 4.3 and is ignored, so the files it lists (%s) are rendered; use copyWithoutTemplating to copy them without templating",
			strings.Join(in.CopyWithoutRender, ", "))
	}
	src, err := b.tree(sc, in.URL)
	if err != nil {
		return err
	}
	dst, err := sc.Path(in.TargetPath)
	if err != nil {
		return err
	}
	files, err := render.Tree(src, dst, render.TreeOptions{
		Values: in.Values, CopyWithoutTemplating: in.CopyWithoutTemplating,
		TemplateFileExtension: ext, CookiecutterCompat: in.CookiecutterCompat, Replace: in.Replace,
		TrimBlocks: in.TrimBlocks, LstripBlocks: in.LstripBlocks,
	})
	if err != nil {
		return err
	}
	sc.Logf("Rendered %d file(s) from %s into %s", len(files), in.URL, displayPath(in.TargetPath))
	return nil
}

// tree resolves url against the template's location and fetches it.
func (b *Builtins) tree(sc callboard.StepContext, rawURL string) (fs.FS, error) {
	u, err := resolveURL(sc.Template().BaseURL, rawURL)
	if err != nil {
		return nil, err
	}
	return b.Fetcher.FetchTree(sc.Context(), u)
}

// copyTree copies the regular files of src under dst, which the caller
// checked is in the workspace. Symbolic links in src are skipped: they
// could point anywhere on the server.
func copyTree(sc callboard.StepContext, src fs.FS, dst string) (int, error) {
	n := 0
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return callboard.Wrap(callboard.Upstream, err, "read %s", p)
		}
		if d.IsDir() || p == "." {
			return nil
		}
		if !d.Type().IsRegular() {
			sc.Logf("Skipping %s: not a regular file", p)
			return nil
		}
		target, err := sc.Path(filepath.Join(dst, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return callboard.Wrap(callboard.Upstream, err, "read %s", p)
		}
		mode := fs.FileMode(0o644)
		if info, err := d.Info(); err == nil && info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		n++
		return writeFile(target, data, mode)
	})
	return n, err
}

func writeFile(path string, data []byte, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return callboard.Wrap(callboard.Internal, err, "create directory for %s", filepath.Base(path))
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return callboard.Wrap(callboard.Internal, err, "write %s", filepath.Base(path))
	}
	return nil
}

func displayPath(p string) string {
	if p == "" {
		return "the workspace"
	}
	return p
}
