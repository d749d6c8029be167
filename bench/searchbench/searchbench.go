// Package searchbench measures the one search (package search) on a
// generated org: orggen's entities plus generated TechDocs sites (10
// pages of four sections per documented component, English and Chinese
// text), published with the real local publisher. It reports the time to
// build the index, query latency by kind of query (single client, in
// process, permission checks off), and how soon a change is found.
package searchbench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/bench/orggen"
	"callboard/catalog"
	"callboard/index"
	"callboard/search"
	"callboard/store"
	"callboard/techdocs/publish"
)

// Options configure a run.
type Options struct {
	N     int    // entities (orggen)
	Pages int    // TechDocs pages, ten per documented component
	DB    string // "sqlite" or "postgres"
	PGURL string // for postgres: each run gets a fresh schema
	// KeepSchema leaves the PostgreSQL schema in place (its name is
	// printed on Progress), to look at query plans on it afterwards.
	KeepSchema bool
	Dir        string // work directory; "" is a temp dir
	Seed       int64
	Queries    int // queries per kind
	Changes    int // changes timed
	Progress   io.Writer
}

// Targets (issue 15).
const (
	TargetP95     = 50 * time.Millisecond
	TargetVisible = time.Second
)

// Report holds the figures of one run.
type Report struct {
	N, Pages, Sections, Docs int
	DB                       string
	Ingest, Index            time.Duration
	Kinds                    []KindReport
	All                      KindReport
	LoadBefore, LoadAfter    string        // /proc/loadavg: the machine is shared
	CPUPerQuery              time.Duration // this process's CPU time per query
	Visible                  Latencies     // catalog write → found
	VisibleFile              Latencies     // file written → found (includes the catalog's watch pass)
	DocsVisible              Latencies     // docs published → found
}

// KindReport is the latency of one kind of query.
type KindReport struct {
	Kind    string
	Example string
	Hits    float64 // mean numberOfResults
	Latencies
}

// Latencies summarises durations.
type Latencies struct {
	Count         int
	P50, P95, Max time.Duration
}

func summarise(ds []time.Duration) Latencies {
	if len(ds) == 0 {
		return Latencies{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return Latencies{Count: len(s), P50: at(0.5), P95: at(0.95), Max: s[len(s)-1]}
}

// Run generates the org and the docs, builds the index and measures.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Queries <= 0 {
		o.Queries = 200
	}
	if o.Changes <= 0 {
		o.Changes = 20
	}
	if o.Dir == "" {
		tmp, err := os.MkdirTemp("", "callboard-searchbench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		o.Dir = tmp
	}
	rep := &Report{N: o.N, Pages: o.Pages, DB: o.DB}
	o.Dir = filepath.Join(o.Dir, o.DB)
	if err := os.RemoveAll(o.Dir); err != nil {
		return nil, err
	}
	tree := filepath.Join(o.Dir, "org")
	fmt.Fprintf(o.Progress, "generating %d entities and %d docs pages...\n", o.N, o.Pages)
	if err := os.MkdirAll(tree, 0o755); err != nil {
		return nil, err
	}
	st, err := orggen.Generate(tree, o.N, o.Seed)
	if err != nil {
		return nil, err
	}
	documented, err := annotateDocs(tree, o.Pages/pagesPerSite)
	if err != nil {
		return nil, err
	}
	pub, err := publish.New(ctx, publish.Config{Type: "local", Local: publish.LocalConfig{PublishDirectory: filepath.Join(o.Dir, "sites")}})
	if err != nil {
		return nil, err
	}
	sites := &siteWriter{pub: pub, dir: filepath.Join(o.Dir, "build")}
	for i, name := range documented {
		n, err := sites.publish(ctx, name, i, 1)
		if err != nil {
			return nil, err
		}
		rep.Sections += n
	}
	db, drop, err := openDB(ctx, o)
	if err != nil {
		return nil, err
	}
	defer drop()
	defer db.Close()

	var svc *search.Service
	changed := &changeWatch{}
	cat := catalog.New(db, catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: st.Root}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}},
		Changed: func(refs []string) {
			changed.saw(refs)
			if svc != nil {
				svc.EntitiesChanged(refs)
			}
		},
	})
	fmt.Fprintf(o.Progress, "ingesting the catalog (%s)...\n", o.DB)
	start := time.Now()
	if err := cat.ProcessAll(ctx, true); err != nil {
		return nil, err
	}
	rep.Ingest = time.Since(start)
	svc = search.New(search.Options{Store: db, Catalog: cat, Docs: publisherDocs{pub}, Logger: slog.New(slog.NewTextHandler(o.Progress, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	fmt.Fprintf(o.Progress, "building the search index...\n")
	start = time.Now()
	if _, err := svc.Reconcile(ctx); err != nil {
		return nil, err
	}
	rep.Index = time.Since(start)
	rep.Docs = cat.Len() + rep.Sections + rep.Pages

	fmt.Fprintf(o.Progress, "querying...\n")
	rep.LoadBefore = loadAvg()
	cpu := cpuTime()
	if err := runQueries(ctx, o, svc, cat, rep); err != nil {
		return nil, err
	}
	if n := rep.All.Count; n > 0 {
		rep.CPUPerQuery = (cpuTime() - cpu) / time.Duration(n)
	}
	rep.LoadAfter = loadAvg()
	fmt.Fprintf(o.Progress, "timing changes...\n")
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = svc.Run(runCtx) })
	defer func() { stop(); wg.Wait() }()
	if err := timeChanges(ctx, o, svc, cat, tree, documented, sites, changed, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// openDB opens a fresh database.
func openDB(ctx context.Context, o Options) (*store.DB, func(), error) {
	if o.DB != "postgres" {
		path := filepath.Join(o.Dir, "search.db")
		db, err := store.Open(ctx, "sqlite", path)
		return db, func() {}, err
	}
	db, drop, err := openPostgres(ctx, o.PGURL, o.Progress)
	if o.KeepSchema {
		drop = func() {}
	}
	return db, drop, err
}

// changeWatch records when the catalog reported writing a ref.
type changeWatch struct {
	mu   sync.Mutex
	ref  string
	when time.Time
}

func (c *changeWatch) expect(ref string) {
	c.mu.Lock()
	c.ref, c.when = ref, time.Time{}
	c.mu.Unlock()
}

func (c *changeWatch) saw(refs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ref != "" && c.when.IsZero() && slices.Contains(refs, c.ref) {
		c.when = time.Now()
	}
}

func (c *changeWatch) at() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.when
}

// query is one timed query.
type query struct {
	kind string
	req  search.Request
}

// runQueries times each kind of query, one at a time.
func runQueries(ctx context.Context, o Options, svc *search.Service, cat *catalog.Service, rep *Report) error {
	rnd := rand.New(rand.NewPCG(uint64(o.Seed), 7))
	names := func(kind string) ([]*callboard.Entity, error) {
		es, _, err := cat.Query(catalog.Unfiltered(ctx), index.Query{Filter: index.Filter{{{Key: "kind", Values: []string{kind}}}}, Limit: 2000})
		return es, err
	}
	comps, err := names("component")
	if err != nil {
		return err
	}
	users, err := names("user")
	if err != nil {
		return err
	}
	if len(comps) == 0 || len(users) == 0 {
		return fmt.Errorf("the generated org has no components or users")
	}
	pick := func(es []*callboard.Entity) *callboard.Entity { return es[rnd.IntN(len(es))] }
	word := func() string { return businessWords[rnd.IntN(len(businessWords))] }
	gens := []struct {
		kind string
		gen  func() search.Request
	}{
		{"entity name", func() search.Request { return search.Request{Term: pick(comps).Metadata.Name} }},
		{"name prefix", func() search.Request { return search.Request{Term: word()[:4]} }},
		{"person", func() search.Request {
			p, _ := pick(users).Spec["profile"].(map[string]any)
			d, _ := p["displayName"].(string)
			return search.Request{Term: d}
		}},
		{"typo", func() search.Request { return search.Request{Term: typo(rnd, word()+"s")} }},
		{"common word", func() search.Request { return search.Request{Term: word()} }},
		{"two words", func() search.Request {
			return search.Request{Term: word() + " " + sectionWords[rnd.IntN(len(sectionWords))]}
		}},
		{"chinese", func() search.Request { return search.Request{Term: chineseTerms[rnd.IntN(len(chineseTerms))]} }},
		{"docs only", func() search.Request {
			return search.Request{Term: sectionWords[rnd.IntN(len(sectionWords))], Types: []string{callboard.SearchTypeTechDocs}}
		}},
		{"kind filter, page 3", func() search.Request {
			return search.Request{Term: word(), Filters: map[string][]string{"kind": {"Component"}}, PageCursor: "Mg=="}
		}},
	}
	var all []time.Duration
	for _, g := range gens {
		kr := KindReport{Kind: g.kind}
		var ds []time.Duration
		hits := 0
		for i := range o.Queries {
			req := g.gen()
			if i == 0 {
				kr.Example = req.Term
			}
			start := time.Now()
			rs, err := svc.Query(ctx, req)
			if err != nil {
				return fmt.Errorf("%s %q: %w", g.kind, req.Term, err)
			}
			ds = append(ds, time.Since(start))
			hits += rs.NumberOfResults
		}
		kr.Latencies = summarise(ds)
		kr.Hits = float64(hits) / float64(o.Queries)
		rep.Kinds = append(rep.Kinds, kr)
		all = append(all, ds...)
		fmt.Fprintf(o.Progress, "  %-20s p50 %6.1f ms  p95 %6.1f ms\n", g.kind, ms(kr.P50), ms(kr.P95))
	}
	rep.All = KindReport{Kind: "all", Latencies: summarise(all)}
	return nil
}

// typo swaps two letters after the first.
func typo(rnd *rand.Rand, w string) string {
	if len(w) < 4 {
		return w
	}
	i := 1 + rnd.IntN(len(w)-2)
	b := []byte(w)
	b[i], b[i+1] = b[i+1], b[i]
	return string(b)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// timeChanges changes a component's catalog-info.yaml (as a developer
// would) and republishes a site (as a docs build would), and times until
// search finds the new word.
func timeChanges(ctx context.Context, o Options, svc *search.Service, cat *catalog.Service, tree string, documented []string, sites *siteWriter, cw *changeWatch, rep *Report) error {
	files, err := filepath.Glob(filepath.Join(tree, "repos", "*", "catalog-info.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no component files in %s: %v", tree, err)
	}
	var visible, visibleFile, docs []time.Duration
	found := func(term string, typ string) (bool, error) {
		req := search.Request{Term: term}
		if typ != "" {
			req.Types = []string{typ}
		}
		rs, err := svc.Query(ctx, req)
		return err == nil && rs.NumberOfResults > 0, err
	}
	wait := func(term, typ string) (time.Time, error) {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			ok, err := found(term, typ)
			if err != nil {
				return time.Time{}, err
			}
			if ok {
				return time.Now(), nil
			}
			time.Sleep(2 * time.Millisecond)
		}
		return time.Time{}, fmt.Errorf("%q not found within 30 s", term)
	}
	for i := range o.Changes {
		file := files[(i*7919)%len(files)]
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		marker := marker(i, "change")
		next := strings.Replace(string(b), "  description: \"", "  description: \""+marker+" ", 1)
		if next == string(b) {
			return fmt.Errorf("%s has no description to change", file)
		}
		name := filepath.Base(filepath.Dir(file))
		cw.expect(callboard.EntityRef{Kind: "component", Namespace: "default", Name: name}.String())
		written := time.Now()
		if err := os.WriteFile(file, []byte(next), 0o644); err != nil {
			return err
		}
		// The catalog's watcher pass: it reads files whose size or time changed.
		go func() { _ = cat.ProcessAll(ctx, false) }()
		at, err := wait(marker, "")
		if err != nil {
			return err
		}
		visibleFile = append(visibleFile, at.Sub(written))
		if w := cw.at(); !w.IsZero() {
			visible = append(visible, at.Sub(w))
		}
	}
	for i := range min(o.Changes, len(documented)) {
		name := documented[(i*31)%len(documented)]
		start := time.Now()
		if _, err := sites.publish(ctx, name, i, i+2); err != nil {
			return err
		}
		svc.DocsChanged(callboard.EntityRef{Kind: "component", Namespace: "default", Name: name})
		at, err := wait(marker(i+2, "build"), callboard.SearchTypeTechDocs)
		if err != nil {
			return err
		}
		docs = append(docs, at.Sub(start))
	}
	rep.Visible, rep.VisibleFile, rep.DocsVisible = summarise(visible), summarise(visibleFile), summarise(docs)
	return nil
}

// marker is a word no document has, unlike every other marker even with
// typos (their first letters differ).
func marker(i int, what string) string {
	return string(rune('a'+i%26)) + "qz" + what + string(rune('a'+i/26))
}

// WriteTable prints the report with the targets.
func WriteTable(w io.Writer, reps []*Report) {
	for _, r := range reps {
		fmt.Fprintf(w, "\nsearch bench: %s, %d entities, %d docs pages (%d sections), about %d documents indexed\n", r.DB, r.N, r.Pages, r.Sections, r.Docs)
		fmt.Fprintf(w, "catalog ingest %v; search index built from empty in %v\n", r.Ingest.Round(time.Millisecond), r.Index.Round(time.Millisecond))
		fmt.Fprintf(w, "load average before/after the queries: %s / %s (2 cores shared); CPU per query %.1f ms\n\n",
			r.LoadBefore, r.LoadAfter, ms(r.CPUPerQuery))
		fmt.Fprintf(w, "%-22s %-26s %8s %9s %9s %9s %8s\n", "query", "example", "results", "p50 ms", "p95 ms", "max ms", "target")
		for _, k := range append(r.Kinds, r.All) {
			verdict := "ok"
			if k.P95 > TargetP95 {
				verdict = "MISSED"
			}
			ex := k.Example
			if len([]rune(ex)) > 24 {
				ex = string([]rune(ex)[:24])
			}
			fmt.Fprintf(w, "%-22s %-26s %8.0f %9.1f %9.1f %9.1f %8s\n", k.Kind, ex, k.Hits, ms(k.P50), ms(k.P95), ms(k.Max), "p95<50 "+verdict)
		}
		fmt.Fprintln(w)
		for _, v := range []struct {
			what string
			l    Latencies
			info bool
		}{
			{"catalog write → found", r.Visible, false},
			{"file saved → found (incl. watch pass)", r.VisibleFile, true},
			{"docs published → found", r.DocsVisible, false},
		} {
			verdict := "ok"
			if v.l.Max > TargetVisible {
				verdict = "MISSED"
			}
			if v.info {
				verdict = "(not a target: the catalog's own watch pass)"
			}
			fmt.Fprintf(w, "%-38s n=%-3d p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  target <1 s: %s\n", v.what, v.l.Count, ms(v.l.P50), ms(v.l.P95), ms(v.l.Max), verdict)
		}
	}
}
