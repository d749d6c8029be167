// Package onboard brings the repositories of a GitHub organization into the
// catalog: for each non-archived repository without catalog-info.yaml it
// infers a Component (name, description, type, lifecycle, owner, tags,
// annotations) from the repository's metadata and a few files, checks it
// with callboard's descriptor validator, and proposes it in one pull
// request. Runs are idempotent: a repository with an open pull request
// from the branch is left alone, an existing branch is reused, and nothing
// is ever opened twice. The same inference answers analyze-location for
// GitHub URLs (Analyzer).
package onboard

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"callboard/integration/github"
)

// Options configure a run.
type Options struct {
	Org string
	// Owner is spec.owner when neither CODEOWNERS nor an admin team
	// names one; default group:default/unknown.
	Owner string
	// Branch is the head branch of the pull requests; default
	// add-catalog-info.
	Branch string
	// DryRun proposes nothing: the YAML goes to DryRunOut.
	DryRun    bool
	DryRunOut io.Writer
	// Concurrency is how many repositories are handled at once; default 4.
	Concurrency int
	// WritesPerMinute and WritesPerHour pace branch, file and pull
	// request creation; 0 means the default, negative means no limit.
	WritesPerMinute, WritesPerHour int
	// Waiting, when set, is told when writes pause for the hourly budget
	// (or any wait over ten seconds), and until when.
	Waiting func(until time.Time)
	// Progress, when set, is called after each repository (from one
	// goroutine at a time) with the count done, the total and the result.
	Progress func(done, total int, r Result)
}

// Defaults for Options.
const (
	DefaultOwner  = "group:default/unknown"
	DefaultBranch = "add-catalog-info"
	// The default write pace stays under GitHub's secondary limits of 80
	// content-creating requests a minute and 500 an hour.
	DefaultWritesPerMinute = 60
	DefaultWritesPerHour   = 480
)

// Action is what happened to a repository.
type Action string

// The actions, as the summary table shows them.
const (
	Opened     Action = "PR opened"
	Exists     Action = "PR exists"
	WouldOpen  Action = "would open PR"
	HasCatalog Action = "already has catalog-info"
	Skipped    Action = "skipped"
	Failed     Action = "failed"
)

// Result is the outcome for one repository.
type Result struct {
	Repo      string // owner/name
	Action    Action
	Owner     string // the inferred spec.owner, when inferred
	OwnerFrom string // CODEOWNERS, admin team or --owner
	Detail    string // the pull request URL, or why skipped or failed
	YAML      []byte // the proposed catalog-info.yaml
}

// Run onboards every repository of opts.Org and returns one result per
// repository, sorted by name. The error is for the run as a whole (the
// organization cannot be listed); a failing repository fails only itself.
func Run(ctx context.Context, c *github.Client, opts Options) ([]Result, error) {
	if opts.Owner == "" {
		opts.Owner = DefaultOwner
	}
	if opts.Branch == "" {
		opts.Branch = DefaultBranch
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if err := CheckOwner(opts.Owner); err != nil {
		return nil, err
	}
	if opts.WritesPerMinute == 0 {
		opts.WritesPerMinute = DefaultWritesPerMinute
	}
	if opts.WritesPerHour == 0 {
		opts.WritesPerHour = DefaultWritesPerHour
	}
	writes := newPace(opts.WritesPerMinute, opts.WritesPerHour)
	writes.notify = opts.Waiting
	repos, err := c.OrgRepos(ctx, opts.Org)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(repos, func(a, b github.RepoInfo) int { return cmp.Compare(a.Name, b.Name) })
	results := make([]Result, len(repos))
	jobs := make(chan int)
	var mu sync.Mutex // Progress and DryRunOut
	done := 0
	var wg sync.WaitGroup
	for range min(opts.Concurrency, max(len(repos), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := onboardRepo(ctx, c, repos[i], opts, writes)
				results[i] = r
				mu.Lock()
				done++
				if opts.DryRun && opts.DryRunOut != nil && r.YAML != nil {
					fmt.Fprintf(opts.DryRunOut, "--- # %s: %s (owner from %s)\n%s", r.Repo, CatalogFile, r.OwnerFrom, r.YAML)
				}
				if opts.Progress != nil {
					opts.Progress(done, len(repos), r)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range repos {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	for i := range results {
		if results[i].Repo == "" { // cancelled before it started
			results[i] = Result{Repo: repos[i].Owner + "/" + repos[i].Name, Action: Failed, Detail: "not attempted: " + ctx.Err().Error()}
		}
	}
	return results, nil
}
