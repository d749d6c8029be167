package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"callboard/bench/catalogbench"
)

// runBench runs `callboard bench catalog`: for each N it generates an org
// (in this process), then measures it in a fresh child process of this
// binary so that each N's memory figures are its own.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "search" {
		return runBenchSearch(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "catalog" {
		fmt.Fprintln(stderr, "usage: callboard bench catalog [-n 10000,100000] [-db sqlite|postgres] [-layout repos|kinds] [-duration 3s] [-concurrency 8] [-json]\n       callboard bench search [-n 100000] [-pages 10000] [-db sqlite,postgres]")
		return errSilent
	}
	fs := flag.NewFlagSet("bench catalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nList := fs.String("n", "10000", "entity counts to measure, comma-separated (10k and 100k work too)")
	seed := fs.Int64("seed", 1, "orggen seed")
	db := fs.String("db", "sqlite", "database: sqlite (a temp file) or postgres (a temp schema at -pg-url)")
	layout := fs.String("layout", "repos", "generated files: repos (many small files) or kinds (four big files, one export per kind)")
	pgURL := fs.String("pg-url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL for -db postgres")
	dir := fs.String("dir", "", "directory for generated trees, reused across runs (default: a temp dir, removed)")
	duration := fs.Duration("duration", 3*time.Second, "load-test time per query kind")
	serial := fs.Duration("serial-duration", 0, "single-client latency pass per query kind (default duration/3; negative skips)")
	conc := fs.Int("concurrency", 8, "client goroutines")
	maxReq := fs.Int("max-requests", 500_000, "request cap per query kind")
	asJSON := fs.Bool("json", false, "print the reports as JSON (progress goes to stderr)")
	profile := fs.String("profile", "", "path prefix for pprof files: <prefix>-n<N>.{ingest,query,startup}.cpu.pprof and .heap.pprof")
	inProcess := fs.Bool("in-process", false, "measure every N in this process (memory figures then accumulate)")
	childReport := fs.String("child-report", "", "") // internal: run one N, write its report here
	if err := fs.Parse(args[1:]); err != nil {
		return errSilent
	}
	ns, err := parseCounts(*nList)
	if err != nil {
		return err
	}
	opts := catalogbench.Options{
		Seed: *seed, Layout: *layout, DB: *db, PGURL: *pgURL, Dir: *dir, Duration: *duration, SerialDuration: *serial,
		Concurrency: *conc, MaxRequests: *maxReq,
	}
	progress := stdout
	if *asJSON {
		progress = stderr
	}
	if *childReport != "" {
		opts.N, opts.Profile = ns[0], *profile
		rep, err := catalogbench.Run(ctx, opts, progress)
		if err != nil {
			return err
		}
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		return os.WriteFile(*childReport, b, 0o644)
	}

	if opts.Dir == "" {
		tmp, err := os.MkdirTemp("", "callboard-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		opts.Dir = tmp
	}
	var reports []*catalogbench.Report
	for _, n := range ns {
		fmt.Fprintf(progress, "\n== N = %d (%s) ==\n", n, opts.DB)
		opts.N = n
		if *profile != "" {
			opts.Profile = fmt.Sprintf("%s-n%d", *profile, n)
		}
		var rep *catalogbench.Report
		if *inProcess {
			rep, err = catalogbench.Run(ctx, opts, progress)
		} else {
			rep, err = benchChild(ctx, opts, fs, progress, stderr)
		}
		if err != nil {
			return fmt.Errorf("bench n=%d: %w", n, err)
		}
		reports = append(reports, rep)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	} else {
		catalogbench.WriteSummary(stdout, reports, opts.Concurrency, opts.Duration)
	}
	errs := 0
	for _, r := range reports {
		for _, q := range r.Queries {
			errs += q.Errors
		}
	}
	if errs > 0 {
		return fmt.Errorf("%d requests failed; the figures above are not valid", errs)
	}
	return nil
}

// benchChild generates the tree for opts.N here, then measures it in a
// child process of this binary and returns the child's report with the
// generate time filled in.
func benchChild(ctx context.Context, opts catalogbench.Options, fs *flag.FlagSet, progress, stderr io.Writer) (*catalogbench.Report, error) {
	gen, err := catalogbench.Generate(opts.Dir, opts.N, opts.Seed, opts.Layout, progress)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	reportPath := filepath.Join(opts.Dir, fmt.Sprintf("report-n%d.json", opts.N))
	defer os.Remove(reportPath)
	args := []string{"bench", "catalog"}
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "n" && f.Name != "dir" && f.Name != "profile" && f.Name != "in-process" {
			args = append(args, "-"+f.Name+"="+f.Value.String())
		}
	})
	args = append(args, "-n="+strconv.Itoa(opts.N), "-dir="+opts.Dir, "-child-report="+reportPath)
	if opts.Profile != "" {
		args = append(args, "-profile="+opts.Profile)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stdout, cmd.Stderr = progress, stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("measuring process: %w", err)
	}
	b, err := os.ReadFile(reportPath)
	if err != nil {
		return nil, err
	}
	var rep catalogbench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, err
	}
	if gen > 0 {
		rep.Generate, rep.Reused = gen, false
	}
	return &rep, nil
}

// parseCounts parses "10000,100k" into entity counts.
func parseCounts(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		mult := 1
		if strings.HasSuffix(f, "k") {
			f, mult = strings.TrimSuffix(f, "k"), 1000
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n <= 0 {
			return nil, errors.New("-n: want positive entity counts such as 10000,100000")
		}
		ns = append(ns, n*mult)
	}
	return ns, nil
}
