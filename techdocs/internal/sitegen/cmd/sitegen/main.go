// Command sitegen writes the deterministic benchmark docs site:
// sitegen -n 100 -o DIR.
package main

import (
	"flag"
	"fmt"
	"os"

	"callboard/techdocs/internal/sitegen"
)

func main() {
	n := flag.Int("n", 100, "number of pages")
	out := flag.String("o", "", "output folder")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "sitegen: -o is required")
		os.Exit(2)
	}
	if err := sitegen.Write(*out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "sitegen:", err)
		os.Exit(1)
	}
}
