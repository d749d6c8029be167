package app

import (
	"context"
	"fmt"
	"io"

	"callboard/scorecard"
)

const scorecardsUsage = `Usage:
  callboard scorecards check FILE...    check scorecard files

"check" reads the files as serve would (scorecards.files): structural
problems and expressions that do not compile are printed as
file:line: field: message, and the command exits 1 if there is any.
`

// runScorecards runs the scorecards commands.
func runScorecards(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "check" {
		if len(args) == 1 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, scorecardsUsage)
			return nil
		}
		fmt.Fprint(stderr, scorecardsUsage)
		return errSilent
	}
	set, err := scorecard.Load(args[1:], false)
	if err != nil {
		return err
	}
	for _, w := range set.Warnings {
		fmt.Fprintln(stderr, w)
	}
	checks := 0
	for _, s := range set.Scorecards {
		checks += len(s.Checks())
	}
	fmt.Fprintf(stdout, "%d scorecards, %d checks, %d that do not compile\n", len(set.Scorecards), checks, len(set.Warnings))
	if len(set.Warnings) > 0 {
		return errSilent
	}
	return nil
}
