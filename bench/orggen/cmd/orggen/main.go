// Command orggen writes a generated catalog of n entities for benchmarks:
//
//	go run ./bench/orggen/cmd/orggen -n 10000 -out /tmp/org
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"callboard/bench/orggen"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "orggen:", err)
		os.Exit(1)
	}
}

func run(_ context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("orggen", flag.ContinueOnError)
	n := fl.Int("n", 10000, "number of entities")
	out := fl.String("out", "", "output directory (created; must be empty)")
	seed := fl.Int64("seed", 1, "random seed; the same n and seed give the same tree")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	start := time.Now()
	st, err := orggen.Generate(*out, *n, *seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "root      %s\n", st.Root)
	fmt.Fprintf(stdout, "entities  %d\n", st.Entities)
	fmt.Fprintf(stdout, "files     %d\n", st.Files)
	fmt.Fprintf(stdout, "bytes     %d (%.1f MB)\n", st.Bytes, float64(st.Bytes)/1e6)
	fmt.Fprintf(stdout, "took      %s\n", time.Since(start).Round(time.Millisecond))
	kinds := make([]string, 0, len(st.ByKind))
	for k := range st.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(stdout, "  %-10s %7d  %4.1f%%\n", k, st.ByKind[k], 100*float64(st.ByKind[k])/float64(st.Entities))
	}
	return nil
}
