package github

import (
	"context"

	gogithub "github.com/google/go-github/v75/github"

	"callboard"
)

// facts are what scorecards read about an entity's repository (its
// github.com/project-slug), from GitHub Actions:
//
//	ci.runs            int     workflow runs in the repository
//	ci.passing         bool    the latest completed run succeeded
//	ci.lastConclusion  string  its conclusion (success, failure, ...)
//	ci.lastRunAt       time    when it started
//
// A repository without runs has ci.runs 0 and ci.passing false.
func (g *integration) facts(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, error) {
	if !hasSlug(e) {
		return nil, nil
	}
	c, owner, repo, err := g.repoOf(e)
	if err != nil {
		return nil, err
	}
	all, _, err := c.gh.Actions.ListRepositoryWorkflowRuns(Context(ctx), owner, repo,
		&gogithub.ListWorkflowRunsOptions{ListOptions: gogithub.ListOptions{PerPage: 1}})
	if err != nil {
		return nil, actionsErr(err, c, owner, repo, "list the workflow runs")
	}
	out := []callboard.Fact{{Key: "ci.runs", Value: int64(all.GetTotalCount())}}
	done, _, err := c.gh.Actions.ListRepositoryWorkflowRuns(Context(ctx), owner, repo,
		&gogithub.ListWorkflowRunsOptions{Status: "completed", ListOptions: gogithub.ListOptions{PerPage: 1}})
	if err != nil {
		return nil, actionsErr(err, c, owner, repo, "list the completed workflow runs")
	}
	if len(done.WorkflowRuns) == 0 {
		return append(out, callboard.Fact{Key: "ci.passing", Value: false}), nil
	}
	last := done.WorkflowRuns[0]
	out = append(out,
		callboard.Fact{Key: "ci.passing", Value: last.GetConclusion() == "success"},
		callboard.Fact{Key: "ci.lastConclusion", Value: last.GetConclusion()})
	if t := last.GetRunStartedAt(); !t.IsZero() {
		out = append(out, callboard.Fact{Key: "ci.lastRunAt", Value: t.UTC()})
	}
	return out, nil
}
