// Command callboard runs the callboard developer portal and its tools.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"callboard"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errSilent {
			fmt.Fprintln(os.Stderr, "callboard:", err)
		}
		os.Exit(1)
	}
}

// errSilent makes main exit 1 without printing: the command already reported.
var errSilent = fmt.Errorf("silent failure")

const usage = `callboard: an internal developer portal in one binary

Usage:
  callboard serve [--config app-config.yaml]...   run the portal on :7007
  callboard catalog validate [--format text|json] PATH...
                                                  check catalog-info.yaml files
  callboard bench catalog [-n 10000,100000] [-db sqlite|postgres] [-json]
                                                  measure ingest, queries and memory
  callboard docs generate|serve|publish ...       build, preview and publish TechDocs sites
  callboard template dry-run TEMPLATE.yaml [--values values.yaml] [--output DIR]
                                                  run a software template without side effects
  callboard policy test|check|default ...         test and check permission policies
  callboard sessions revoke --all | --user REF [--config FILE]...
                                                  end portal sign-in sessions
  callboard onboard github --org ORG [--dry-run] [--owner REF] [--branch NAME] [--config FILE]
                                                  propose catalog-info.yaml to every repository without one
  callboard version                               print the version
`

// run is the whole program; main only supplies the process's environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errSilent
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "catalog":
		if len(args) > 1 && args[1] == "validate" {
			return runValidate(ctx, args[2:], stdout, stderr)
		}
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "docs":
		return runDocs(ctx, args[1:], stdout, stderr)
	case "template":
		return runTemplate(ctx, args[1:], stdout, stderr)
	case "policy":
		return runPolicy(ctx, args[1:], stdout, stderr)
	case "sessions":
		return runSessions(ctx, args[1:], getenv, stdout, stderr)
	case "onboard":
		return runOnboard(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "callboard %s %s\n", callboard.Version, callboard.Commit)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func versionString() string {
	if callboard.Commit != "" {
		return callboard.Version + " (" + callboard.Commit + ")"
	}
	return callboard.Version
}
