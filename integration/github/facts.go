package github

import (
	"context"
	"slices"
	"time"

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
//	deployments.firstProductionAt  time  the first production deployment's
//	                   first success (IDP metrics: new-service lead time)
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
	if at, err := firstProduction(ctx, c, owner, repo); err != nil {
		return nil, err
	} else if !at.IsZero() {
		out = append(out, callboard.Fact{Key: "deployments.firstProductionAt", Value: at})
	}
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

// maxDeploymentChecks bounds the status lookups of firstProduction.
const maxDeploymentChecks = 20

// firstProduction returns when the oldest production deployment that
// succeeded first succeeded (its first "success" status), or the zero
// time. It looks through the oldest maxDeploymentChecks deployments.
func firstProduction(ctx context.Context, c *Client, owner, repo string) (time.Time, error) {
	var all []*gogithub.Deployment
	opts := &gogithub.DeploymentsListOptions{Environment: "production", ListOptions: gogithub.ListOptions{PerPage: 100}}
	for range 10 { // at most 1,000 deployments
		page, res, err := c.gh.Repositories.ListDeployments(Context(ctx), owner, repo, opts)
		if err != nil {
			return time.Time{}, actionsErr(err, c, owner, repo, "list the production deployments")
		}
		all = append(all, page...)
		if res.NextPage == 0 {
			break
		}
		opts.Page = res.NextPage
	}
	slices.SortFunc(all, func(a, b *gogithub.Deployment) int { return a.GetCreatedAt().Compare(b.GetCreatedAt().Time) })
	for _, d := range all[:min(len(all), maxDeploymentChecks)] {
		sts, _, err := c.gh.Repositories.ListDeploymentStatuses(Context(ctx), owner, repo, d.GetID(), &gogithub.ListOptions{PerPage: 100})
		if err != nil {
			return time.Time{}, actionsErr(err, c, owner, repo, "list a deployment's statuses")
		}
		var first time.Time
		for _, st := range sts {
			if st.GetState() == "success" && (first.IsZero() || st.GetCreatedAt().Before(first)) {
				first = st.GetCreatedAt().Time
			}
		}
		if !first.IsZero() {
			return first.UTC(), nil
		}
	}
	return time.Time{}, nil
}
