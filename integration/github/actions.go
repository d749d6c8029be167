package github

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	gogithub "github.com/google/go-github/v75/github"

	"callboard"
	"callboard/git"
)

// PullRequestInput is publish:github:pull-request's input.
type PullRequestInput struct {
	RepoURL          string   `json:"repoUrl"`
	BranchName       string   `json:"branchName"`
	TargetBranchName string   `json:"targetBranchName,omitempty"`
	Title            string   `json:"title"`
	Description      string   `json:"description"`
	Draft            bool     `json:"draft,omitempty"`
	TargetPath       string   `json:"targetPath,omitempty"`
	SourcePath       string   `json:"sourcePath,omitempty"`
	Reviewers        []string `json:"reviewers,omitempty"`
	TeamReviewers    []string `json:"teamReviewers,omitempty"`
	CommitMessage    string   `json:"commitMessage,omitempty"`
	GitAuthorName    string   `json:"gitAuthorName,omitempty"`
	GitAuthorEmail   string   `json:"gitAuthorEmail,omitempty"`
	Update           bool     `json:"update,omitempty"`
	Token            string   `json:"token,omitempty"`
}

// PullRequest is publish:github:pull-request: the workspace's sourcePath is
// copied to targetPath on a new branch from the target branch, committed,
// pushed, and a pull request opened. An open pull request for the branch
// is reused (updated when update is set). Outputs remoteUrl (the pull
// request's page), pullRequestNumber and targetBranchName.
func (c *Client) PullRequest(sc callboard.StepContext, in PullRequestInput) error {
	ref, err := c.parseRepoURL(in.RepoURL)
	if err != nil {
		return err
	}
	if in.BranchName == "" || in.Title == "" {
		return callboard.Errorf(callboard.Invalid, "branchName and title are required")
	}
	src, err := sc.Path(in.SourcePath)
	if err != nil {
		return err
	}
	ctx := c.actx(sc, in.Token)
	repo, _, err := c.gh.Repositories.Get(ctx, ref.owner, ref.repo)
	if err != nil {
		return wrap(err, "repository %s/%s", ref.owner, ref.repo)
	}
	base := in.TargetBranchName
	if base == "" {
		base = repo.GetDefaultBranch()
	}
	if sc.DryRun() {
		sc.Logf("dry run: would open a pull request from %s into %s of %s/%s", in.BranchName, base, ref.owner, ref.repo)
		sc.Output("remoteUrl", repo.GetHTMLURL()+"/pull/0")
		sc.Output("pullRequestNumber", 0)
		sc.Output("targetBranchName", base)
		return nil
	}
	open, _, err := c.gh.PullRequests.List(ctx, ref.owner, ref.repo, &gogithub.PullRequestListOptions{
		State: "open", Head: ref.owner + ":" + in.BranchName})
	if err != nil {
		return wrap(err, "list pull requests of %s/%s", ref.owner, ref.repo)
	}
	if len(open) > 0 && !in.Update {
		return callboard.Errorf(callboard.Conflict, "a pull request for branch %s already exists: %s (set update: true to push to it)", in.BranchName, open[0].GetHTMLURL())
	}
	if err := c.commitOnBranch(sc, ref, in, base, src, len(open) > 0); err != nil {
		return err
	}
	var pr *gogithub.PullRequest
	if len(open) > 0 {
		pr = open[0]
		sc.Logf("updated pull request %s", pr.GetHTMLURL())
	} else {
		pr, _, err = c.gh.PullRequests.Create(ctx, ref.owner, ref.repo, &gogithub.NewPullRequest{
			Title: &in.Title, Body: &in.Description, Head: &in.BranchName, Base: &base, Draft: &in.Draft})
		if err != nil {
			return wrap(err, "open pull request on %s/%s", ref.owner, ref.repo)
		}
		sc.Logf("opened pull request %s", pr.GetHTMLURL())
	}
	if len(in.Reviewers)+len(in.TeamReviewers) > 0 {
		if _, _, err := c.gh.PullRequests.RequestReviewers(ctx, ref.owner, ref.repo, pr.GetNumber(),
			gogithub.ReviewersRequest{Reviewers: in.Reviewers, TeamReviewers: in.TeamReviewers}); err != nil {
			return wrap(err, "request reviewers")
		}
	}
	sc.Output("remoteUrl", pr.GetHTMLURL())
	sc.Output("pullRequestNumber", pr.GetNumber())
	sc.Output("targetBranchName", base)
	return nil
}

// commitOnBranch clones the target branch (or the existing PR branch),
// copies src into targetPath, commits and pushes to branchName.
func (c *Client) commitOnBranch(sc callboard.StepContext, ref repoRef, in PullRequestInput, base, src string, existing bool) error {
	tmp, err := os.MkdirTemp("", "callboard-pr-*")
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "temp dir")
	}
	defer os.RemoveAll(tmp)
	from := base
	if existing {
		from = in.BranchName
	}
	remote := c.remote(ref)
	g := c.gitCmd(sc, ref, in.Token, git.Cmd{Remote: remote})
	if _, err := g("clone", "--quiet", "--depth", "1", "--branch", from, remote, tmp); err != nil {
		return err
	}
	dst := filepath.Join(tmp, filepath.FromSlash(in.TargetPath))
	if rel, err := filepath.Rel(tmp, dst); err != nil || rel == ".." || strings.HasPrefix(rel, "../") || rel == ".git" || strings.HasPrefix(rel, ".git/") {
		return callboard.Errorf(callboard.Invalid, "targetPath %q leaves the repository", in.TargetPath)
	}
	if err := copyTree(src, dst); err != nil {
		return err
	}
	msg := in.CommitMessage
	if msg == "" {
		msg = in.Title
	}
	name, email := in.GitAuthorName, in.GitAuthorEmail
	if name == "" {
		name = "Scaffolder"
	}
	if email == "" {
		email = "scaffolder@callboard.local"
	}
	gr := c.gitCmd(sc, ref, in.Token, git.Cmd{Dir: tmp, Remote: remote, Env: authorEnv(name, email)})
	for _, s := range [][]string{
		{"checkout", "--quiet", "-B", in.BranchName},
		{"add", "--all", "."},
		{"commit", "--quiet", "--no-verify", "--allow-empty", "-m", msg},
		{"push", "--quiet", "origin", "HEAD:refs/heads/" + in.BranchName},
	} {
		if _, err := gr(s...); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies regular files and symlinks (as links) of src into dst,
// skipping .git; nothing outside src is followed.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			_ = os.Remove(to)
			return os.Symlink(link, to)
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, _ := d.Info()
			return os.WriteFile(to, b, info.Mode().Perm())
		}
		return nil
	})
}

// DispatchInput is github:actions:dispatch's input.
type DispatchInput struct {
	RepoURL         string         `json:"repoUrl"`
	WorkflowID      string         `json:"workflowId"`
	BranchOrTagName string         `json:"branchOrTagName"`
	WorkflowInputs  map[string]any `json:"workflowInputs,omitempty"`
	Token           string         `json:"token,omitempty"`
}

// Dispatch is github:actions:dispatch: it triggers a workflow_dispatch of
// workflowId (a file name or a numeric ID) on branchOrTagName.
func (c *Client) Dispatch(sc callboard.StepContext, in DispatchInput) error {
	ref, err := c.parseRepoURL(in.RepoURL)
	if err != nil {
		return err
	}
	if in.WorkflowID == "" || in.BranchOrTagName == "" {
		return callboard.Errorf(callboard.Invalid, "workflowId and branchOrTagName are required")
	}
	if sc.DryRun() {
		sc.Logf("dry run: would dispatch workflow %s on %s of %s/%s", in.WorkflowID, in.BranchOrTagName, ref.owner, ref.repo)
		return nil
	}
	ev := gogithub.CreateWorkflowDispatchEventRequest{Ref: in.BranchOrTagName, Inputs: in.WorkflowInputs}
	ctx := c.actx(sc, in.Token)
	if id, err := strconv.ParseInt(in.WorkflowID, 10, 64); err == nil {
		_, err = c.gh.Actions.CreateWorkflowDispatchEventByID(ctx, ref.owner, ref.repo, id, ev)
		if err != nil {
			return wrap(err, "dispatch workflow %s", in.WorkflowID)
		}
	} else if _, err := c.gh.Actions.CreateWorkflowDispatchEventByFileName(ctx, ref.owner, ref.repo, in.WorkflowID, ev); err != nil {
		return wrap(err, "dispatch workflow %s", in.WorkflowID)
	}
	sc.Logf("dispatched workflow %s on %s/%s@%s", in.WorkflowID, ref.owner, ref.repo, in.BranchOrTagName)
	return nil
}

// RepoCreate is github:repo:create: publish:github without the push.
// Outputs remoteUrl and repoContentsUrl; UndoPublish undoes it.
func (c *Client) RepoCreate(sc callboard.StepContext, in PublishInput) error {
	ref, err := c.parseRepoURL(in.RepoURL)
	if err != nil {
		return err
	}
	if in.DefaultBranch == "" {
		in.DefaultBranch = "master"
	}
	if sc.DryRun() {
		sc.Logf("dry run: would create %s/%s on %s", ref.owner, ref.repo, ref.host)
	} else if _, err := c.createRepo(sc, ref, in); err != nil {
		return err
	}
	html := c.cfg.webBase() + "/" + ref.owner + "/" + ref.repo
	sc.Output("remoteUrl", html+".git")
	sc.Output("repoContentsUrl", html+"/blob/"+in.DefaultBranch)
	return nil
}
