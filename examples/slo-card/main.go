// Command callboard is our portal: callboard with the SLO card.
//
// Build it with `go build -o callboard .` and run it as callboard itself:
// `./callboard serve --config app-config.yaml`.
package main

import (
	"callboard/app"

	"example.com/slo-card/slo"
)

func main() {
	app.Main(
		slo.Plugin(),
	)
}
