package web_test

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/demo"
	"callboard/store/storetest"
	"callboard/techdocs/docsync"
	"callboard/techdocs/publish"
	"callboard/web"
)

// docsBundle is a portal serving the demo plus fulltree-service, a file
// entity whose docs use every extension the builder renders.
type docsBundle struct {
	srv    *httptest.Server
	cat    *catalog.Service
	syncer *docsync.Syncer
	pub    publish.Publisher
}

// newReaderServer builds the portal with a Local publisher and a syncer, as
// `callboard serve` wires them; with builder local the documented entities
// are synced before it returns.
func newReaderServer(t testing.TB, builder string) *docsBundle {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fulltree")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "techdocs", "testdata", "fulltree"))); err != nil {
		t.Fatal(err)
	}
	desc := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: fulltree-service\n  title: Full tree service\n" +
		"  description: Every docs extension\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n" +
		"spec:\n  type: service\n  lifecycle: production\n  owner: group:payments-team\n"
	if err := os.WriteFile(filepath.Join(dir, "catalog-info.yaml"), []byte(desc), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(storetest.Open(t), catalog.Options{
		Reader: &catalog.Reader{Embedded: demo.FS()},
		Locations: []catalog.StaticLocation{
			{Type: catalog.TypeEmbedded, Target: "/catalog-info.yaml"},
			{Type: catalog.TypeFile, Target: filepath.Join(dir, "catalog-info.yaml")},
		},
		Rules: []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	pub, err := publish.NewLocal(filepath.Join(t.TempDir(), "published"))
	if err != nil {
		t.Fatal(err)
	}
	documented := []callboard.EntityRef{
		{Kind: "Component", Namespace: "default", Name: "payment-service"},
		{Kind: "Component", Namespace: "default", Name: "order-service"},
		{Kind: "Component", Namespace: "default", Name: "fulltree-service"},
	}
	syncer, err := docsync.New(docsync.Options{
		Builder:   builder,
		Publisher: pub,
		Open: func(ctx context.Context, src docsync.Source) (fs.FS, error) {
			if src.Type == catalog.TypeEmbedded {
				return fs.Sub(demo.FS(), strings.TrimPrefix(src.Dir, "/"))
			}
			return os.DirFS(src.Dir), nil
		},
		Entity: cat.Entity,
		Entities: func(ctx context.Context) ([]*callboard.Entity, error) {
			var out []*callboard.Entity
			for _, r := range documented {
				e, err := cat.Entity(ctx, r)
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
			return out, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if builder != docsync.BuilderExternal {
		for _, r := range documented {
			if _, err := syncer.Sync(t.Context(), r); err != nil {
				t.Fatalf("Sync(%s): %v", r, err)
			}
		}
	}
	opts := web.Options{Dev: true, Docs: syncer, Plugins: mustEnable(t, web.DocsPlugin(syncer))}
	if builder != docsync.BuilderExternal {
		opts.DocsSync = syncer.Sync
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, opts))
	t.Cleanup(srv.Close)
	return &docsBundle{srv: srv, cat: cat, syncer: syncer, pub: pub}
}

func TestDocsPages(t *testing.T) {
	b := newReaderServer(t, docsync.BuilderLocal)
	const ft = "/docs/default/component/fulltree-service/"
	tests := []struct {
		name, path string
		status     int
		want       []string
		not        []string
	}{
		{"index", "/docs", 200,
			[]string{"payment-service", "order-service", "Full tree service", "payments-team", "<time datetime="},
			[]string{"Coming soon", "not built yet"}},
		{"index filter", "/docs?q=order", 200, []string{"order-service"}, []string{"payment-service"}},
		{"reader home", "/docs/default/component/payment-service/", 200,
			[]string{`class="docs-nav"`, `href="/docs/default/component/payment-service/runbook/"`, `aria-current="page"`,
				"支付服务文档 payment-service", "On this page", `href="#architecture"`, "Last updated"},
			nil},
		{"reader second page", "/docs/default/component/payment-service/runbook/", 200,
			[]string{`aria-current="page">运维手册 Runbook`}, nil},
		{"sections and edit link", ft + "guide/setup/", 200,
			[]string{`<span class="docs-section">Guide</span>`, "Edit this page",
				`href="https://github.com/lanting/fulltree/edit/main/docs/guide/setup.md"`,
				`href="https://backstage.io/docs/features/techdocs/"`},
			nil},
		{"relative links", ft, 200,
			[]string{`href="/docs/default/component/fulltree-service/guide/setup/`, `src="/api/techdocs/static/docs/default/component/fulltree-service/img/logo.png"`},
			[]string{`href="guide/setup/`}},
		{"search", "/docs/default/component/payment-service/?q=outbox", 200,
			[]string{"results for “outbox”", "<mark>outbox</mark>", `href="/docs/default/component/payment-service/runbook/#`},
			nil},
		{"search nothing", "/docs/default/component/payment-service/?q=zebrafish", 200, []string{"No results"}, nil},
		{"entity tab", "/catalog/default/component/payment-service/docs", 200,
			[]string{`aria-current="page" data-tab>Docs`, "docs-reader", "Open in the docs reader", `href="/docs/default/component/payment-service/runbook/"`},
			nil},
		{"no tab without docs", "/catalog/default/component/payment-outbox-relay", 200, nil, []string{`/payment-outbox-relay/docs"`}},
		{"unknown entity", "/docs/default/component/nope/", 404, nil, nil},
		{"missing page", "/docs/default/component/payment-service/nope/", 404, nil, nil},
		{"traversal", "/docs/default/component/payment-service/..%2f..%2fsecret/", 400, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := getPage(t, b.srv, tc.path)
			if status != tc.status {
				t.Fatalf("GET %s = %d, want %d; body: %.300s", tc.path, status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: body lacks %q", tc.path, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("GET %s: body has %q", tc.path, n)
				}
			}
		})
	}
}

func TestDocsRedirects(t *testing.T) {
	b := newReaderServer(t, docsync.BuilderLocal)
	for _, tc := range []struct{ path, want string }{
		{"/docs/default/component/payment-service", "/docs/default/component/payment-service/"},
		{"/docs/default/component/payment-service/runbook", "/docs/default/component/payment-service/runbook/"},
		{"/docs/default/component/fulltree-service/img/logo.png", "/api/techdocs/static/docs/default/component/fulltree-service/img/logo.png"},
	} {
		resp, err := noRedirect.Get(b.srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != tc.want {
			t.Errorf("GET %s = %d to %q, want a redirect to %q", tc.path, resp.StatusCode, loc, tc.want)
		}
	}
	status, _ := getPage(t, b.srv, "/static/techdocs.css")
	if status != http.StatusOK {
		t.Errorf("GET /static/techdocs.css = %d", status)
	}
}

// TestDocsUntrustedSite serves a site that did not come from our builder:
// a mkdocs-material page with script, handlers and javascript: links, as a
// hostile techdocs-cli upload could hold. The reader keeps its text and
// nav and drops everything that runs.
func TestDocsUntrustedSite(t *testing.T) {
	b := newReaderServer(t, docsync.BuilderExternal)
	site := t.TempDir()
	page := `<!doctype html><html><head><script>alert(1)</script></head><body>
<nav class="md-nav md-nav--primary" aria-label="Navigation"><label class="md-nav__title">Site</label>
<ul class="md-nav__list">
<li class="md-nav__item md-nav__item--active"><input class="md-toggle" type="checkbox" id="t"><label class="md-nav__link" for="t">Home</label>
  <a href="./" class="md-nav__link md-nav__link--active">Home</a>
  <nav class="md-nav md-nav--secondary"><ul class="md-nav__list"><li><a href="#inner" class="md-nav__link">Inner TOC</a></li></ul></nav></li>
<li class="md-nav__item md-nav__item--nested"><input type="checkbox" id="g"><label class="md-nav__link" for="g">Guide</label>
  <nav class="md-nav"><label class="md-nav__title">Guide</label><ul class="md-nav__list">
  <li class="md-nav__item"><a href="guide/" class="md-nav__link">Guide intro</a></li>
  <li class="md-nav__item"><a href="javascript:alert(2)" class="md-nav__link">Evil</a></li>
  </ul></nav></li>
</ul></nav>
<div class="md-sidebar md-sidebar--secondary"><nav class="md-nav md-nav--secondary"><label class="md-nav__title">Table of contents</label>
<ul class="md-nav__list"><li class="md-nav__item"><a href="#usage" class="md-nav__link"><span class="md-ellipsis">Usage</span></a></li></ul></nav></div>
<article class="md-content__inner md-typeset">
<a href="https://github.com/o/r/edit/main/docs/index.md" title="Edit this page" class="md-content__button md-icon"><svg><path d="M0"/></svg></a>
<h1 id="home">Hello from CI</h1>
<p onclick="alert(3)">Text <a href="javascript:alert(4)">bad</a> <a href="guide/">good</a></p>
<script>alert(5)</script><img src="x.png" onerror="alert(6)">
<h2 id="usage">Usage</h2>
</article></body></html>`
	files := map[string]string{
		"index.html":                    page,
		"guide/index.html":              `<article class="md-content__inner md-typeset"><h1>Guide</h1></article>`,
		"techdocs_metadata.json":        `{"site_name":"CI site","site_description":"","etag":"abc","build_timestamp":1700000000000,"files":["index.html"]}`,
		"search/search_index.json":      `{"docs":[{"location":"","title":"Hello","text":"Hello from CI"}]}`,
		"assets/javascripts/bundle.js":  "alert(7)",
		"assets/stylesheets/main.css":   "body{}",
		"guide/../../escape/index.html": "",
	}
	for name, content := range files {
		p := filepath.Join(site, filepath.FromSlash(name))
		if strings.Contains(name, "..") {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref := callboard.EntityRef{Kind: "Component", Namespace: "default", Name: "order-service"}
	if _, err := b.pub.Publish(t.Context(), ref, site); err != nil {
		t.Fatal(err)
	}
	status, body := getPage(t, b.srv, "/docs/default/component/order-service/")
	if status != 200 {
		t.Fatalf("status = %d; %.300s", status, body)
	}
	main := body[strings.Index(body, `<main`):]
	for _, bad := range []string{"alert(", "onclick", "onerror", "javascript:", "<script"} {
		if strings.Contains(main, bad) {
			t.Errorf("reader page has %q", bad)
		}
	}
	for _, want := range []string{
		"Hello from CI", `href="/docs/default/component/order-service/guide/">good</a>`,
		`<span class="docs-section">Guide</span>`, `href="/docs/default/component/order-service/guide/">Guide intro</a>`,
		`<a href="#usage">Usage</a>`, `href="https://github.com/o/r/edit/main/docs/index.md"`, "CI site",
	} {
		if !strings.Contains(main, want) {
			t.Errorf("reader page lacks %q", want)
		}
	}
	if strings.Contains(main, "Inner TOC") && !strings.Contains(main, `<a href="#usage">Usage</a>`) {
		t.Error("the TOC came from inside the nav instead of the page's sidebar")
	}
}

func TestDocsExternalNotPublished(t *testing.T) {
	b := newReaderServer(t, docsync.BuilderExternal)
	status, body := getPage(t, b.srv, "/docs/default/component/payment-service/")
	if status != 200 || !strings.Contains(body, "No docs published yet") || !strings.Contains(body, "callboard docs publish") {
		t.Errorf("GET reader of an unpublished site = %d; %.400s", status, body[strings.Index(body, "<main"):])
	}
	_, body = getPage(t, b.srv, "/docs")
	if !strings.Contains(body, "not built yet") {
		t.Error("docs index does not say the sites are not built")
	}
}

func TestDocsBuildFailureShown(t *testing.T) {
	b := newReaderServer(t, docsync.BuilderLocal)
	e, err := b.cat.Entity(t.Context(), callboard.EntityRef{Kind: "Component", Namespace: "default", Name: "fulltree-service"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(strings.TrimPrefix(e.Annotation(callboard.AnnotationManagedByLocation), "file:"))
	if err := os.WriteFile(filepath.Join(dir, "mkdocs.yml"), []byte("site_name: [broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := b.syncer.Sync(t.Context(), e.Ref()); err == nil {
		t.Fatal("Sync of a broken mkdocs.yml succeeded")
	}
	_, body := getPage(t, b.srv, "/docs/default/component/fulltree-service/")
	for _, want := range []string{"Build failed", "The last good build is shown", "Full Tree"} {
		if !strings.Contains(body, want) {
			t.Errorf("reader after a failed build lacks %q", want)
		}
	}
	_, body = getPage(t, b.srv, "/docs")
	if !strings.Contains(body, "build failed") {
		t.Error("docs index does not show the failed build")
	}
}
