package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"callboard/techdocs"
)

const docsUsage = `Usage:
  callboard docs generate [--source-dir .] [--output-dir ./site] [--etag ETAG] [--verbose]
  callboard docs serve [--source-dir .] [--port 8000]
  callboard docs publish --publisher-type local|awsS3 ... (see callboard docs publish -h)
`

// runDocs implements "callboard docs": TechDocs' generate, serve and
// publish, with techdocs-cli's flag names.
func runDocs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, docsUsage)
		return errSilent
	}
	switch args[0] {
	case "generate", "build":
		return runDocsGenerate(ctx, args[1:], stdout, stderr)
	case "serve":
		return runDocsServe(ctx, args[1:], stdout, stderr)
	case "publish":
		return runDocsPublish(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, docsUsage)
		return nil
	}
	fmt.Fprint(stderr, docsUsage)
	return fmt.Errorf("unknown docs command %q", args[0])
}

// runDocsGenerate builds the site in --source-dir into --output-dir.
func runDocsGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("docs generate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	src := fl.String("source-dir", ".", "folder holding mkdocs.yml and the docs")
	out := fl.String("output-dir", "./site", "folder to write the built site to")
	etag := fl.String("etag", "", "source revision recorded in techdocs_metadata.json (default: a hash of the sources)")
	verbose := fl.Bool("verbose", false, "list every page built")
	// techdocs-cli flags that CI scripts pass; callboard needs none of them.
	fl.Bool("no-docker", false, "accepted for techdocs-cli compatibility; callboard never uses Docker")
	fl.String("docker-image", "", "accepted for techdocs-cli compatibility; ignored")
	fl.Bool("no-pull", false, "accepted for techdocs-cli compatibility; ignored")
	fl.Bool("legacyCopyReadmeMdToIndexMd", false, "accepted for techdocs-cli compatibility; README.md is used as index.md anyway")
	fl.Bool("omitTechdocsCoreMkdocsPlugin", false, "accepted for techdocs-cli compatibility; ignored")
	if err := fl.Parse(args); err != nil {
		return errSilent
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("docs generate: unexpected argument %q", fl.Arg(0))
	}
	start := time.Now()
	site, err := techdocs.Build(os.DirFS(*src), techdocs.BuildOptions{Etag: *etag})
	if err != nil {
		return fmt.Errorf("docs generate: %w", err)
	}
	if err := techdocs.Write(site, nil, *out); err != nil {
		return fmt.Errorf("docs generate: write %s: %w", *out, err)
	}
	elapsed := time.Since(start)
	if *verbose {
		for _, p := range site.Pages {
			fmt.Fprintf(stdout, "%s -> %s\n", path.Join(site.DocsDir, p.Path), p.URL)
		}
	}
	for _, w := range site.Warnings {
		fmt.Fprintln(stderr, w)
	}
	fmt.Fprintf(stdout, "built %d pages in %d ms, %d warnings\n", len(site.Pages), elapsed.Milliseconds(), len(site.Warnings))
	return nil
}

// runDocsServe previews the site for authors: it rebuilds when a file
// changes and the open page reloads itself.
func runDocsServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("docs serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	src := fl.String("source-dir", ".", "folder holding mkdocs.yml and the docs")
	port := fl.Int("port", 8000, "port to listen on, on 127.0.0.1 (0 picks a free one)")
	fl.Int("mkdocs-port", 0, "accepted for techdocs-cli compatibility; use --port")
	fl.Bool("no-docker", false, "accepted for techdocs-cli compatibility; ignored")
	if err := fl.Parse(args); err != nil {
		return errSilent
	}
	p := newDocsPreview(*src, stderr)
	p.rebuild()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		return fmt.Errorf("docs serve: %w", err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "serving docs from %s at http://%s/ (Ctrl-C to stop)\n", *src, ln.Addr())
	go p.watch(ctx, 500*time.Millisecond)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("docs serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// docsPreview serves the latest build of a docs tree and rebuilds it when
// the files' sizes or modification times change.
type docsPreview struct {
	src    string
	stderr io.Writer

	mu          sync.RWMutex
	site        *techdocs.Site
	err         error
	generation  int
	fingerprint string
}

func newDocsPreview(src string, stderr io.Writer) *docsPreview {
	return &docsPreview{src: src, stderr: stderr}
}

// watch polls the tree every interval until ctx ends.
func (p *docsPreview) watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.poll()
		}
	}
}

// poll rebuilds when the tree changed since the last build; it reports
// whether it did.
func (p *docsPreview) poll() bool {
	p.mu.RLock()
	old := p.fingerprint
	p.mu.RUnlock()
	if p.treeFingerprint() == old {
		return false
	}
	p.rebuild()
	return true
}

func (p *docsPreview) rebuild() {
	fp := p.treeFingerprint()
	start := time.Now()
	site, err := techdocs.Build(os.DirFS(p.src), techdocs.BuildOptions{})
	if err != nil {
		fmt.Fprintf(p.stderr, "docs: %v\n", err)
	} else {
		for _, w := range site.Warnings {
			fmt.Fprintln(p.stderr, w)
		}
		fmt.Fprintf(p.stderr, "built %d pages in %d ms, %d warnings\n", len(site.Pages), time.Since(start).Milliseconds(), len(site.Warnings))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fingerprint = fp
	p.generation++
	p.err = err
	if err == nil {
		p.site = site
	}
}

// treeFingerprint hashes the names, sizes and modification times of the
// config files and the docs folder.
func (p *docsPreview) treeFingerprint() string {
	h := sha256.New()
	docsDir := "docs"
	p.mu.RLock()
	if p.site != nil {
		docsDir = p.site.DocsDir
	}
	p.mu.RUnlock()
	for _, name := range []string{"mkdocs.yml", "mkdocs.yaml"} {
		if fi, err := os.Stat(filepath.Join(p.src, name)); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", name, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	root := filepath.Join(p.src, filepath.FromSlash(docsDir))
	_ = filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", name, fi.Size(), fi.ModTime().UnixNano())
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

// etagPath is polled by the preview pages; a new value means "reload".
const etagPath = "/_callboard/etag"

var reloadScript = template.Must(template.New("reload").Parse(`<script>
(function () {
  var tag = {{.}};
  setInterval(function () {
    fetch("` + etagPath + `", {cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (t) { if (t !== tag) { location.reload(); } }).catch(function () {});
  }, 1000);
})();
</script>`))

func (p *docsPreview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.RLock()
	site, buildErr, tag := p.site, p.err, fmt.Sprint(p.generation)
	p.mu.RUnlock()
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == etagPath {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, tag)
		return
	}
	var script bytes.Buffer
	_ = reloadScript.Execute(&script, tag)
	head := template.HTML(script.String())
	if buildErr != nil || site == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		msg := "no site built yet"
		if buildErr != nil {
			msg = buildErr.Error()
		}
		fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>Build failed</title>%s<h1>Build failed</h1><pre>%s</pre>", head, template.HTMLEscapeString(msg))
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if strings.HasSuffix(r.URL.Path, "/") && name != "" {
		name += "/"
	}
	if name == techdocs.StyleSheetFile {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Write(techdocs.StyleSheet())
		return
	}
	if page, ok := site.PageByURL(name); ok {
		var buf bytes.Buffer
		if err := techdocs.RenderStandalone(&buf, site, page, techdocs.LayoutOptions{Head: head}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(buf.Bytes())
		return
	}
	if !strings.HasSuffix(name, "/") && !strings.Contains(path.Base(name), ".") {
		if _, ok := site.PageByURL(name + "/"); ok {
			http.Redirect(w, r, "/"+name+"/", http.StatusFound)
			return
		}
	}
	for _, a := range site.Assets {
		if a == name {
			data, err := fs.ReadFile(os.DirFS(filepath.Join(p.src, filepath.FromSlash(site.DocsDir))), a)
			if err != nil {
				http.Error(w, "cannot read "+a, http.StatusInternalServerError)
				return
			}
			if ct := mime.TypeByExtension(path.Ext(a)); ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			w.Write(data)
			return
		}
	}
	http.NotFound(w, r)
}
