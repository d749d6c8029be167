package onboard

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"callboard"
	"callboard/integration/github"
)

// onboardRepo decides and does what one repository needs. Reads come
// first, so a dry run and an idempotent re-run stop before any write.
func onboardRepo(ctx context.Context, c *github.Client, repo github.RepoInfo, opts Options, writes *pace) Result {
	res := Result{Repo: repo.Owner + "/" + repo.Name}
	fail := func(err error) Result {
		res.Action, res.Detail = Failed, reason(err)
		return res
	}
	switch {
	case repo.Archived:
		res.Action, res.Detail = Skipped, "archived"
		return res
	case repo.Fork:
		res.Action, res.Detail = Skipped, "fork"
		return res
	}
	root, err := c.ListDir(ctx, repo.Owner, repo.Name, repo.DefaultBranch, "")
	if callboard.ErrorKind(err) == callboard.NotFound {
		res.Action, res.Detail = Skipped, "empty repository"
		return res
	}
	if err != nil {
		return fail(err)
	}
	for _, e := range root {
		if e.Name == CatalogFile && e.Type == "file" {
			res.Action = HasCatalog
			return res
		}
	}
	pulls, err := c.PullsFrom(ctx, repo.Owner, repo.Name, opts.Branch)
	if err != nil {
		return fail(err)
	}
	for _, p := range pulls {
		if p.State == "open" {
			res.Action, res.Detail = Exists, p.URL
			return res
		}
	}
	for _, p := range pulls {
		// Someone closed our proposal: do not propose it again.
		res.Action, res.Detail = Skipped, fmt.Sprintf("PR #%d was closed", p.Number)
		return res
	}
	facts, err := gather(ctx, c, repo, repo.DefaultBranch, root)
	if err != nil {
		return fail(err)
	}
	in, err := Infer(facts, opts.Owner)
	if err != nil {
		return fail(err)
	}
	res.Owner, res.OwnerFrom = in.Owner, in.OwnerFrom
	if res.YAML, err = in.YAML(); err != nil {
		return fail(err)
	}
	if opts.DryRun {
		res.Action = WouldOpen
		return res
	}
	pr, reused, err := propose(ctx, c, writes, repo, opts.Branch, res.YAML, pullBody(in))
	if err != nil {
		return fail(err)
	}
	res.Action, res.Detail = Opened, pr.URL
	if reused {
		res.Detail += " (branch reused)"
	}
	if pr.State == "exists" {
		res.Action, res.Detail = Exists, pr.URL
	}
	return res
}

// propose puts the file on branch (creating the branch from the default
// branch, or reusing it and updating the file only when it differs) and
// opens the pull request. A pull request opened meanwhile by another run
// is reported with State "exists".
func propose(ctx context.Context, c *github.Client, writes *pace, repo github.RepoInfo, branch string, content []byte, body string) (github.PullInfo, bool, error) {
	o, n := repo.Owner, repo.Name
	base, err := c.BranchSHA(ctx, o, n, repo.DefaultBranch)
	if err != nil {
		return github.PullInfo{}, false, err
	}
	// Creating the branch tells whether it exists (422, a Conflict),
	// without a read first.
	if err := writes.wait(ctx); err != nil {
		return github.PullInfo{}, false, err
	}
	err = c.CreateBranch(ctx, o, n, branch, base)
	reused := callboard.ErrorKind(err) == callboard.Conflict
	if err != nil && !reused {
		return github.PullInfo{}, false, err
	}
	var old []byte
	sha := ""
	if reused { // a branch of an earlier run: update the file only if it differs
		old, sha, err = c.File(ctx, o, n, branch, CatalogFile)
		if err != nil && callboard.ErrorKind(err) != callboard.NotFound {
			return github.PullInfo{}, reused, err
		}
	}
	if sha == "" || !bytes.Equal(old, content) {
		if err := writes.wait(ctx); err != nil {
			return github.PullInfo{}, reused, err
		}
		msg := "Add catalog-info.yaml for the software catalog"
		if sha != "" {
			msg = "Update the proposed catalog-info.yaml"
		}
		if err := c.PutFile(ctx, o, n, branch, CatalogFile, msg, content, sha); err != nil {
			return github.PullInfo{}, reused, err
		}
	}
	if err := writes.wait(ctx); err != nil {
		return github.PullInfo{}, reused, err
	}
	pr, err := c.OpenPull(ctx, o, n, branch, repo.DefaultBranch, "Add catalog-info.yaml", body)
	if callboard.ErrorKind(err) == callboard.Conflict {
		pulls, lerr := c.PullsFrom(ctx, o, n, branch)
		for _, p := range pulls {
			if lerr == nil && p.State == "open" {
				p.State = "exists"
				return p, reused, nil
			}
		}
	}
	return pr, reused, err
}

// pullBody explains the proposal: each field with where it came from.
func pullBody(in *Inference) string {
	var b strings.Builder
	b.WriteString("This pull request adds `catalog-info.yaml` so that this repository appears in the software catalog.\n\n")
	b.WriteString("Each value was inferred; please check them, above all the owner, before merging.\n\n")
	b.WriteString("| Field | Value | From |\n|---|---|---|\n")
	for _, f := range in.Fields {
		mark := ""
		if f.Guessed {
			mark = " (please check)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s%s |\n", f.Path, mdCell(f.Value), mdCell(f.Source), mark)
	}
	b.WriteString("\nOpened by `callboard onboard github`. Closing this pull request stops further proposals; editing the file on the branch is fine.\n")
	return b.String()
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// requestRE matches the request that go-github and net/http put in their
// errors ("GET https://api.github.com/repos/o/r/contents/?ref=main: ",
// `Get "https://…": `), and an empty error list after the status.
var requestRE = regexp.MustCompile(`(?i)(GET|PUT|POST|PATCH|DELETE) "?[a-z]+://\S+: | \[\]$`)

// reason is the error as one short line for the summary table.
func reason(err error) string {
	return strings.Join(strings.Fields(requestRE.ReplaceAllString(err.Error(), "")), " ")
}
