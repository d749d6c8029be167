// Package catalogbench measures the catalog end to end on a generated org:
// generation, ingest into the store, the time until the last entity answers
// with its relations over HTTP, query latency and throughput of Backstage's
// catalog REST API under concurrent load, memory, and a cold start from the
// populated database. `callboard bench catalog` drives it.
//
// Run measures one N in the calling process. Memory figures (VmHWM) are per
// process, so callers comparing several N should run each in a fresh
// process, as the command does.
package catalogbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"callboard"
	"callboard/bench/internal/machine"
	"callboard/bench/orggen"
	"callboard/catalog"
	"callboard/store"
	"callboard/web"
)

// Options configures one benchmark run. Zero values take the defaults noted.
type Options struct {
	N    int   // entities to generate; required
	Seed int64 // orggen seed; 0 means 1
	// Layout is orggen's: "repos" (default: many small files) or "kinds"
	// (four big files, one org export per kind).
	Layout string

	// DB is "sqlite" (default: a fresh file under Dir) or "postgres" (a
	// fresh schema in the database at PGURL, dropped at the end).
	DB    string
	PGURL string

	// Dir holds generated trees, reused across runs: the tree for (N, Seed)
	// is Dir/org-n<N>-s<Seed>, complete once Dir/org-n<N>-s<Seed>.done
	// exists. Empty means a temporary directory removed at the end.
	Dir string

	Duration       time.Duration // per query kind; 0 means 3 s
	SerialDuration time.Duration // single-client latency pass per kind; 0 means Duration/3, <0 skips it
	Concurrency    int           // client goroutines; 0 means 8
	MaxRequests    int           // per query kind; 0 means 500,000

	// Profile, when set, is a path prefix for pprof files: CPU profiles of
	// the ingest, the query phase and the cold start
	// (<prefix>.{ingest,query,startup}.cpu.pprof) and the heap after the
	// query phase (<prefix>.heap.pprof).
	Profile string
}

func (o *Options) defaults() error {
	if o.N < orggen.MinEntities {
		return fmt.Errorf("catalogbench: N = %d, want at least %d", o.N, orggen.MinEntities)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.DB == "" {
		o.DB = "sqlite"
	}
	if o.Layout == "" {
		o.Layout = orggen.LayoutRepos
	}
	if o.Layout != orggen.LayoutRepos && o.Layout != orggen.LayoutKinds {
		return fmt.Errorf("catalogbench: unknown layout %q (want %s or %s)", o.Layout, orggen.LayoutRepos, orggen.LayoutKinds)
	}
	if o.DB != "sqlite" && o.DB != "postgres" {
		return fmt.Errorf("catalogbench: unknown database %q (want sqlite or postgres)", o.DB)
	}
	if o.DB == "postgres" && o.PGURL == "" {
		return fmt.Errorf("catalogbench: postgres needs a URL")
	}
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
	if o.SerialDuration == 0 {
		o.SerialDuration = o.Duration / 3
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = 500_000
	}
	return nil
}

// Report is what one run measured. Durations encode as nanoseconds.
type Report struct {
	N         int            `json:"n"`
	Seed      int64          `json:"seed"`
	DB        string         `json:"db"`
	Layout    string         `json:"layout"`
	CPUs      int            `json:"cpus"` // GOMAXPROCS
	GoVersion string         `json:"goVersion"`
	Files     int            `json:"files"`
	Bytes     int64          `json:"bytes"`
	ByKind    map[string]int `json:"byKind"`

	// Generate is orggen's time; zero with Reused when the tree existed.
	Generate time.Duration `json:"generate"`
	Reused   bool          `json:"reused"`

	// Ingest runs from catalog.New until the first ProcessAll(force)
	// returns: read, parse, validate, relate, store and index.
	Ingest       time.Duration `json:"ingest"`
	IngestPerSec float64       `json:"ingestPerSec"`
	Loaded       int           `json:"loaded"` // entities in the catalog afterwards
	// IngestStoreWrites and IngestStoreReads are the parts of Ingest spent
	// inside store calls (PutEntities/DeleteEntities, and reads).
	IngestStoreWrites time.Duration `json:"ingestStoreWrites"`
	IngestStoreReads  time.Duration `json:"ingestStoreReads"`
	// IngestWrote and IngestRead are the bytes the process wrote and read
	// through system calls during Ingest (wchar, rchar of /proc/self/io):
	// the tree's files in, the database and its WAL out.
	IngestWrote uint64 `json:"ingestWrote"`
	IngestRead  uint64 `json:"ingestRead"`
	// IngestCPU is the process's CPU time (user + system) during Ingest:
	// unlike Ingest it does not grow when other processes share the CPUs.
	IngestCPU time.Duration `json:"ingestCPU"`
	// LoadAvg is the machine's one-minute load average before the ingest
	// and after the queries; above CPUs, wall-clock figures include waiting.
	LoadAvgBefore string `json:"loadAvgBefore,omitempty"`
	LoadAvgAfter  string `json:"loadAvgAfter,omitempty"`
	DBBytes       int64  `json:"dbBytes,omitempty"`

	// LastQueryable is from the ingest start until the last generated
	// component answers by-name with ownedBy, and its owner with ownerOf
	// pointing back.
	LastQueryable time.Duration `json:"lastQueryable"`
	LastEntity    string        `json:"lastEntity"`

	Queries []QueryResult `json:"queries"`

	// PeakRSS is the process's VmHWM after the query phase; HeapAfterGC
	// is the live Go heap then. Neither includes the cold start below.
	PeakRSS        uint64 `json:"peakRSS"`
	RSSAfterIngest uint64 `json:"rssAfterIngest"`
	// PeakRSSIngest is VmHWM when the ingest ends: the ingest's own peak.
	// PeakRSSAfter is the peak from then until the end of the query
	// phase, when the kernel can reset VmHWM (clear_refs), else 0.
	PeakRSSIngest uint64 `json:"peakRSSIngest"`
	PeakRSSAfter  uint64 `json:"peakRSSAfter"`
	HeapAfterGC   uint64 `json:"heapAfterGC"`
	// SplitIngest and SplitQueries are where the resident memory was at
	// the largest RSS sampled in each phase.
	SplitIngest  memSplit `json:"splitIngest"`
	SplitQueries memSplit `json:"splitQueries"`

	// Startup is a cold start on the populated database: store.Open,
	// catalog.New and Load, then the first by-name answer over HTTP.
	Startup     time.Duration `json:"startup"`
	StartupLoad time.Duration `json:"startupLoad"` // Load alone
}

// Run generates (or reuses) the org, measures it, and writes progress
// lines to out. It fails on setup errors and when the catalog does not
// hold the generated entities; request errors are counted in the report.
func Run(ctx context.Context, opts Options, out io.Writer) (*Report, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	rep := &Report{N: opts.N, Seed: opts.Seed, DB: opts.DB, Layout: opts.Layout, CPUs: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	dir := opts.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "callboard-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	tree, err := ensureTree(dir, opts.N, opts.Seed, opts.Layout, rep, out)
	if err != nil {
		return nil, err
	}
	org, err := scanTree(tree)
	if err != nil {
		return nil, err
	}
	dbase, err := newDatabase(ctx, opts, dir)
	if err != nil {
		return nil, err
	}
	defer dbase.drop()

	b := &bench{opts: opts, rep: rep, org: org, out: out}
	if err := b.ingest(ctx, dbase, filepath.Join(tree, "catalog-info.yaml")); err != nil {
		return nil, err
	}
	if err := b.queries(ctx); err != nil {
		return nil, err
	}
	rep.DBBytes = dbase.size()
	b.release()
	if err := b.startup(ctx, dbase); err != nil {
		return nil, err
	}
	return rep, nil
}

// bench is the state of one run.
type bench struct {
	opts Options
	rep  *Report
	org  *org
	out  io.Writer

	db   *store.DB
	cat  *catalog.Service
	srv  *http.Server
	base string // "http://127.0.0.1:port"
	hc   *http.Client

	snapshotShown bool
	peakReset     bool // VmHWM was reset after the ingest
}

// allKinds lets every kind in from the generated file locations.
var allKinds = []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}}

func catalogOptions(root string) catalog.Options {
	return catalog.Options{
		Locations: []catalog.StaticLocation{{Type: catalog.TypeFile, Target: root}},
		Rules:     allKinds,
		Logger:    slog.New(slog.DiscardHandler),
	}
}

// ingest builds the catalog from the tree, then waits for the last
// component to answer with its relations over HTTP.
func (b *bench) ingest(ctx context.Context, dbase *database, root string) error {
	db, err := store.Open(ctx, dbase.driver, dbase.dsn)
	if err != nil {
		return fmt.Errorf("open %s: %w", dbase.driver, err)
	}
	b.db = db
	stop, err := startProfile(b.opts.Profile, "ingest")
	if err != nil {
		return err
	}
	done := b.progress("ingest", fmt.Sprintf("%d entities into %s", b.opts.N, dbase.driver))
	ts := &timedStore{EntityStore: db}
	b.rep.LoadAvgBefore = machine.LoadAvg(1)
	cpu0 := machine.CPUTime()
	rchar0, wchar0 := procIO("rchar"), procIO("wchar")
	start := time.Now()
	opts := catalogOptions(root)
	opts.Snapshots = db
	b.cat = catalog.New(ts, opts)
	sampled := sampleMemory()
	err = b.cat.ProcessAll(ctx, true)
	b.rep.SplitIngest = sampled()
	b.rep.Ingest = time.Since(start)
	b.rep.IngestCPU = machine.CPUTime() - cpu0
	b.rep.IngestRead, b.rep.IngestWrote = procIO("rchar")-rchar0, procIO("wchar")-wchar0
	b.rep.PeakRSSIngest = procStatus("VmHWM")
	b.peakReset = resetPeakRSS()
	stop()
	b.rep.IngestStoreWrites, b.rep.IngestStoreReads = time.Duration(ts.writes.Load()), time.Duration(ts.reads.Load())
	done(fmt.Sprintf("%s, %s entities/s (CPU %s; in store writes %s, reads %s; read %s, wrote %s; load avg %s)",
		seconds(b.rep.Ingest), count(float64(b.opts.N)/b.rep.Ingest.Seconds()), seconds(b.rep.IngestCPU),
		seconds(b.rep.IngestStoreWrites), seconds(b.rep.IngestStoreReads),
		megabytes(b.rep.IngestRead), megabytes(b.rep.IngestWrote), b.rep.LoadAvgBefore))
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	b.rep.IngestPerSec = float64(b.opts.N) / b.rep.Ingest.Seconds()
	b.rep.Loaded = b.cat.Len()
	if b.rep.Loaded < b.opts.N {
		return fmt.Errorf("ingest: the catalog holds %d entities, want at least %d (processing errors?)", b.rep.Loaded, b.opts.N)
	}
	if err := b.serve(web.NewServer(slog.New(slog.DiscardHandler), b.cat, web.Options{Dev: true})); err != nil {
		return err
	}
	b.rep.LastEntity = b.org.last.String()
	if err := waitQueryable(ctx, b.hc, b.base, b.org.last, 30*time.Second); err != nil {
		return err
	}
	b.rep.LastQueryable = time.Since(start)
	b.rep.RSSAfterIngest = procStatus("VmRSS")
	fmt.Fprintf(b.out, "  queryable  %s has ownedBy and its owner ownerOf after %s\n", b.rep.LastEntity, seconds(b.rep.LastQueryable))
	return nil
}

// serve starts h on a loopback port with a keep-alive client for it.
func (b *bench) serve(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	b.base = "http://" + ln.Addr().String()
	conns := b.opts.Concurrency * 2
	b.hc = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true, IdleConnTimeout: time.Minute,
	}}
	return nil
}

// queries runs every query kind, then reads the memory figures.
func (b *bench) queries(ctx context.Context) error {
	stop, err := startProfile(b.opts.Profile, "query")
	if err != nil {
		return err
	}
	defer stop()
	sampled := sampleMemory()
	for _, q := range b.queryKinds() {
		if err := ctx.Err(); err != nil {
			return err
		}
		fmt.Fprintf(b.out, "  query      %-14s", q.name)
		r := b.measure(ctx, q)
		fmt.Fprintf(b.out, " %s req/s, p50 %s ms, p99 %s ms", count(r.PerSec), millis(r.P50), millis(r.P99))
		if r.Errors > 0 {
			fmt.Fprintf(b.out, ", %d ERRORS (%s)", r.Errors, r.FirstError)
		}
		fmt.Fprintln(b.out)
		b.rep.Queries = append(b.rep.Queries, r)
	}
	b.rep.SplitQueries = sampled()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.rep.HeapAfterGC = ms.HeapAlloc
	b.rep.PeakRSS = max(b.rep.PeakRSSIngest, procStatus("VmHWM"))
	if b.peakReset {
		b.rep.PeakRSSAfter = procStatus("VmHWM")
	}
	b.rep.LoadAvgAfter = machine.LoadAvg(1)
	if b.opts.Profile != "" {
		if err := writeHeapProfile(b.opts.Profile + ".heap.pprof"); err != nil {
			return err
		}
	}
	fmt.Fprintf(b.out, "  memory     peak RSS %s (ingest %s, queries %s; after ingest %s), heap after GC %s\n",
		megabytes(b.rep.PeakRSS), megabytes(b.rep.PeakRSSIngest), megabytes(b.rep.PeakRSSAfter),
		megabytes(b.rep.RSSAfterIngest), megabytes(b.rep.HeapAfterGC))
	return nil
}

// release stops the server and drops the catalog so the cold start does
// not share its memory.
func (b *bench) release() {
	if b.srv != nil {
		b.srv.Close()
	}
	b.saveSnapshot()
	b.hc.CloseIdleConnections()
	b.db.Close()
	b.cat, b.db, b.srv = nil, nil, nil
	runtime.GC()
}

// saveSnapshot saves the catalog's snapshot, as serve does when it
// stops, so that the cold start can load from it.
func (b *bench) saveSnapshot() {
	if b.cat == nil {
		return
	}
	ctx := context.Background()
	start := time.Now()
	if err := b.cat.SaveSnapshot(ctx); err != nil {
		fmt.Fprintf(b.out, "  snapshot   not saved: %v\n", err)
		return
	}
	took := time.Since(start)
	if b.snapshotShown {
		return
	}
	b.snapshotShown = true
	if seq, r, err := b.db.CatalogSnapshot(ctx); err == nil {
		n, _ := io.Copy(io.Discard, r)
		r.Close()
		fmt.Fprintf(b.out, "  snapshot   %s saved in %s ms (change-log seq %d)\n", megabytes(uint64(n)), millis(took), seq)
	}
}

// startup measures a cold start on the populated database.
func (b *bench) startup(ctx context.Context, dbase *database) error {
	stop, err := startProfile(b.opts.Profile, "startup")
	if err != nil {
		return err
	}
	start := time.Now()
	db, err := store.Open(ctx, dbase.driver, dbase.dsn)
	if err != nil {
		stop()
		return fmt.Errorf("startup: open %s: %w", dbase.driver, err)
	}
	b.db = db
	defer b.release()
	opts := catalogOptions("")
	opts.Snapshots = db
	cat := catalog.New(db, opts)
	loadStart := time.Now()
	loadErr := make(chan error, 1)
	go func() { loadErr <- cat.Load(ctx) }() // as serve does: answer while the index builds
	b.cat = cat
	if err := b.serve(web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true})); err != nil {
		return err
	}
	body, status, err := get(ctx, b.hc, b.base+byNamePath(b.org.last))
	if err != nil {
		return fmt.Errorf("startup: %w", err)
	}
	if status != http.StatusOK || len(body) == 0 {
		return fmt.Errorf("startup: by-name %s answered %d", b.org.last, status)
	}
	b.rep.Startup = time.Since(start)
	if err := <-loadErr; err != nil {
		stop()
		return fmt.Errorf("startup: load: %w", err)
	}
	b.rep.StartupLoad = time.Since(loadStart)
	stop()
	fmt.Fprintf(b.out, "  startup    open + first by-name answer: %s ms; index of %d entities ready after %s ms\n",
		millis(b.rep.Startup), cat.Len(), millis(b.rep.StartupLoad))
	return nil
}

// ensureTree returns the generated tree for (n, seed) under dir, writing it
// unless a complete one is there.
func ensureTree(dir string, n int, seed int64, layout string, rep *Report, out io.Writer) (string, error) {
	name := treeName(n, seed, layout)
	tree, marker := filepath.Join(dir, name), filepath.Join(dir, name+".done")
	if st, err := readStats(marker); err == nil {
		rep.Reused, rep.Files, rep.Bytes, rep.ByKind = true, st.Files, st.Bytes, st.ByKind
		fmt.Fprintf(out, "  tree       %s (%d files, %s)\n", tree, st.Files, megabytes(uint64(st.Bytes)))
		return tree, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.RemoveAll(tree); err != nil { // a partial tree from an interrupted run
		return "", err
	}
	done := progressLine(out, "generate", fmt.Sprintf("%d entities (orggen, seed %d)", n, seed))
	start := time.Now()
	st, err := orggen.GenerateLayout(tree, n, seed, layout)
	rep.Generate = time.Since(start)
	if err != nil {
		done("failed")
		return "", err
	}
	done(fmt.Sprintf("%s, %d files, %s", seconds(rep.Generate), st.Files, megabytes(uint64(st.Bytes))))
	rep.Files, rep.Bytes, rep.ByKind = st.Files, st.Bytes, st.ByKind
	if err := writeStats(marker, st); err != nil {
		return "", err
	}
	return tree, nil
}

// Generate writes the tree for (n, seed) under dir unless it is there, and
// returns how long generating took (zero when reused). The command calls
// it before starting the measuring child process.
func Generate(dir string, n int, seed int64, layout string, out io.Writer) (time.Duration, error) {
	if seed == 0 {
		seed = 1
	}
	if layout == "" {
		layout = orggen.LayoutRepos
	}
	if _, err := readStats(filepath.Join(dir, treeName(n, seed, layout)+".done")); err == nil {
		return 0, nil // Run reports the reuse
	}
	rep := &Report{}
	_, err := ensureTree(dir, n, seed, layout, rep, out)
	return rep.Generate, err
}

func (b *bench) progress(phase, what string) func(string) {
	return progressLine(b.out, phase, what)
}

// progressLine prints "  phase  what…", a tick every 5 s, and the result
// on the same line when the returned func is called.
func progressLine(out io.Writer, phase, what string) func(string) {
	fmt.Fprintf(out, "  %-10s %s…", phase, what)
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(out, " %ds", int(time.Since(start).Seconds()+0.5))
			}
		}
	}()
	return func(result string) {
		close(stop)
		<-ticked
		fmt.Fprintf(out, " %s\n", result)
	}
}

// startProfile starts a CPU profile to <prefix>.<phase>.cpu.pprof when
// prefix is set; the returned func stops it.
func startProfile(prefix, phase string) (func(), error) {
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(prefix + "." + phase + ".cpu.pprof")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// byNamePath is the by-name URL path of ref.
func byNamePath(ref callboard.EntityRef) string {
	return "/api/catalog/entities/by-name/" + ref.Kind + "/" + ref.Namespace + "/" + ref.Name
}

// treeName names the tree of (n, seed, layout) under Options.Dir; the
// repos layout keeps the name it had before layouts existed.
func treeName(n int, seed int64, layout string) string {
	if layout == orggen.LayoutRepos {
		return fmt.Sprintf("org-n%d-s%d", n, seed)
	}
	return fmt.Sprintf("org-n%d-s%d-%s", n, seed, layout)
}
