package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"callboard/config"
	"callboard/integration/github"
	"callboard/onboard"
)

const onboardUsage = `Usage: callboard onboard github --org ORG [flags]

Opens one pull request per repository of ORG that has no catalog-info.yaml,
proposing an inferred Component. Credentials come from integrations.github
in --config (token or GitHub App), else from GITHUB_TOKEN.

`

// runOnboard runs `callboard onboard github`.
func runOnboard(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "github" {
		fmt.Fprint(stderr, onboardUsage)
		return fmt.Errorf("onboard: only \"github\" is supported")
	}
	fs := flag.NewFlagSet("onboard github", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, onboardUsage); fs.PrintDefaults() }
	var configs stringList
	fs.Var(&configs, "config", "an app-config.yaml file; repeat to merge several")
	org := fs.String("org", "", "the GitHub organization (required)")
	host := fs.String("host", "", "the integrations.github host to use when several are configured (default github.com)")
	dry := fs.Bool("dry-run", false, "print the proposed catalog-info.yaml files and change nothing")
	owner := fs.String("owner", onboard.DefaultOwner, "spec.owner when neither CODEOWNERS nor an admin team names one")
	branch := fs.String("branch", onboard.DefaultBranch, "the branch the pull requests come from")
	conc := fs.Int("concurrency", 4, "repositories handled at once")
	rps := fs.Float64("rps", 10, "GitHub API requests per second at most")
	wpm := fs.Int("writes-per-minute", onboard.DefaultWritesPerMinute, "branches, files and pull requests created per minute at most (GitHub allows 80); 0 does not limit")
	wph := fs.Int("writes-per-hour", onboard.DefaultWritesPerHour, "the same per hour (GitHub allows 500); 0 does not limit")
	if err := fs.Parse(args[1:]); err != nil {
		return errSilent
	}
	if *org == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("onboard github: --org is required and no arguments are taken")
	}
	for _, v := range []*int{wpm, wph} {
		if *v == 0 {
			*v = -1
		}
	}
	if *conc < 1 || *conc > 64 {
		return fmt.Errorf("onboard github: --concurrency must be between 1 and 64")
	}
	gcfg, err := onboardGitHubConfig(configs, *host, getenv)
	if err != nil {
		return err
	}
	client, err := github.New(gcfg, github.Options{RequestsPerSecond: *rps, MaxWait: 15 * time.Minute})
	if err != nil {
		return err
	}
	opts := onboard.Options{Org: *org, Owner: *owner, Branch: *branch, DryRun: *dry, DryRunOut: stdout,
		Concurrency: *conc, WritesPerMinute: *wpm, WritesPerHour: *wph, Progress: onboard.NewProgress(stderr, isTerminal(stderr))}
	opts.Waiting = func(until time.Time) {
		fmt.Fprintf(stderr, "\r\033[Konboard: write budget spent (%d a minute, %d an hour); waiting until %s\n",
			*wpm, *wph, until.Format("15:04:05"))
	}
	if !isTerminal(stderr) {
		opts.Waiting = func(until time.Time) {
			fmt.Fprintf(stderr, "onboard: write budget spent; waiting until %s\n", until.Format(time.RFC3339))
		}
	}
	start := time.Now()
	results, err := onboard.Run(ctx, client, opts)
	if err != nil {
		return fmt.Errorf("onboard github: %w", err)
	}
	if err := onboard.WriteSummary(stdout, results); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "onboard: %d repositories in %s, %d API requests\n",
		len(results), time.Since(start).Round(time.Millisecond), client.Stats().Requests.Load())
	if n := onboard.CountFailed(results); n > 0 {
		fmt.Fprintf(stderr, "onboard: %d repositories failed\n", n)
		return errSilent
	}
	return nil
}

// onboardGitHubConfig picks the integrations.github entry for host (the
// only entry, or github.com, when host is empty) and fills a missing
// token from GITHUB_TOKEN.
func onboardGitHubConfig(paths []string, host string, getenv func(string) string) (github.Config, error) {
	cfg, err := config.Load(paths, getenv, os.ReadFile)
	if err != nil {
		return github.Config{}, fmt.Errorf("load config: %w", err)
	}
	entries, err := github.DecodeIntegrations(func(into any) error { return cfg.Decode(github.IntegrationsKey, into) })
	if err != nil {
		return github.Config{}, err
	}
	var pick *github.Config
	for i, e := range entries {
		h := e.Host
		if h == "" {
			h = "github.com"
		}
		if strings.EqualFold(h, host) || (host == "" && (len(entries) == 1 || h == "github.com")) {
			pick = &entries[i]
			break
		}
	}
	if pick == nil {
		if host != "" && host != "github.com" {
			return github.Config{}, fmt.Errorf("onboard github: no integrations.github entry for host %s", host)
		}
		pick = &github.Config{Host: "github.com"}
	}
	if pick.Token == "" && len(pick.Apps) == 0 {
		pick.Token = getenv("GITHUB_TOKEN")
	}
	if pick.Token == "" && len(pick.Apps) == 0 {
		return github.Config{}, fmt.Errorf("onboard github: no credentials: set integrations.github[].token or apps in --config, or GITHUB_TOKEN")
	}
	return *pick, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
