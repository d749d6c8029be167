// Package app is the callboard program as a library: Main runs the command
// line (serve, policy, docs, ...) with the built-in plugins and the ones a
// team passes, so a team builds its own binary from a main that calls it
// (docs/plugins.md). cmd/callboard is that main for callboard itself.
package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"callboard"
	"callboard/plugin"
)

// Main runs the callboard command line (os.Args) with the built-in plugins
// and extra, then exits: a team's own binary is a main that calls Main
// with its plugins (docs/plugins.md).
func Main(extra ...plugin.Plugin) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runWith(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, extra)
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
  callboard scorecards check FILE...              check scorecard files
  callboard sessions revoke --all | --user REF [--config FILE]...
                                                  end portal sign-in sessions
  callboard onboard github --org ORG [--dry-run] [--owner REF] [--branch NAME] [--config FILE]
                                                  propose catalog-info.yaml to every repository without one
  callboard version                               print the version
`

// run is the whole program with the built-in plugins; main only supplies
// the process's environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWith(ctx, args, getenv, stdout, stderr, nil)
}

// runWith is run with extra plugins after the built-in ones.
func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, extra []plugin.Plugin) error {
	if err := plugin.Check(declaredPlugins(extra)); err != nil {
		return fmt.Errorf("plugins: %w", err)
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errSilent
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr, extra...)
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
		return runPolicy(ctx, args[1:], stdout, stderr, plugin.Permissions(declaredPlugins(extra))...)
	case "scorecards":
		return runScorecards(ctx, args[1:], stdout, stderr)
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
