package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"callboard/bench/searchbench"
)

// runBenchSearch runs `callboard bench search`: the one search on a
// generated org with TechDocs sites, on each database asked for.
func runBenchSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 100_000, "entities (orggen)")
	pages := fs.Int("pages", 10_000, "TechDocs pages (ten per documented component)")
	dbs := fs.String("db", "sqlite,postgres", "databases, comma-separated: sqlite (a temp file), postgres (a temp schema at -pg-url)")
	pgURL := fs.String("pg-url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL for -db postgres")
	queries := fs.Int("queries", 200, "queries timed per kind")
	changes := fs.Int("changes", 20, "changes timed")
	seed := fs.Int64("seed", 1, "orggen seed")
	keep := fs.Bool("keep-schema", false, "postgres: leave the bench's schema in place (for EXPLAIN); its name is printed")
	dir := fs.String("dir", "", "work directory (default: a temp dir, removed)")
	if err := fs.Parse(args); err != nil {
		return errSilent
	}
	var reps []*searchbench.Report
	for _, db := range strings.Split(*dbs, ",") {
		db = strings.TrimSpace(db)
		if db != "sqlite" && db != "postgres" {
			return fmt.Errorf("bench search: -db %q: want sqlite or postgres", db)
		}
		rep, err := searchbench.Run(ctx, searchbench.Options{N: *n, Pages: *pages, DB: db, PGURL: *pgURL, Dir: *dir,
			Seed: *seed, Queries: *queries, Changes: *changes, Progress: stderr, KeepSchema: *keep})
		if err != nil {
			return fmt.Errorf("bench search (%s): %w", db, err)
		}
		reps = append(reps, rep)
		searchbench.WriteTable(stdout, reps[len(reps)-1:])
	}
	return nil
}
