package github

import (
	"context"
	"strings"

	gogithub "github.com/google/go-github/v75/github"

	"callboard"
)

// This file holds the REST calls bulk onboarding (package onboard) makes,
// with plain result types and callboard error kinds, so that onboard does
// not depend on go-github.

// RepoInfo is what onboarding reads of a repository.
type RepoInfo struct {
	Owner, Name   string
	Description   string
	DefaultBranch string
	Homepage      string
	HTMLURL       string
	Visibility    string
	Archived      bool
	Fork          bool
	Topics        []string
}

func repoInfo(r *gogithub.Repository) RepoInfo {
	return RepoInfo{Owner: r.GetOwner().GetLogin(), Name: r.GetName(), Description: r.GetDescription(),
		DefaultBranch: r.GetDefaultBranch(), Homepage: r.GetHomepage(), HTMLURL: r.GetHTMLURL(),
		Visibility: r.GetVisibility(), Archived: r.GetArchived(), Fork: r.GetFork(), Topics: r.Topics}
}

// OrgRepos lists every repository of org (all pages). NotFound when the
// organization does not exist.
func (c *Client) OrgRepos(ctx context.Context, org string) ([]RepoInfo, error) {
	opts := &gogithub.RepositoryListByOrgOptions{Type: "all", ListOptions: gogithub.ListOptions{PerPage: 100}}
	var out []RepoInfo
	for {
		repos, resp, err := c.gh.Repositories.ListByOrg(Context(ctx), org, opts)
		if err != nil {
			return nil, wrap(err, "list repositories of %s", org)
		}
		for _, r := range repos {
			out = append(out, repoInfo(r))
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// Repo returns owner/repo.
func (c *Client) Repo(ctx context.Context, owner, repo string) (RepoInfo, error) {
	r, _, err := c.gh.Repositories.Get(Context(ctx), owner, repo)
	if err != nil {
		return RepoInfo{}, wrap(err, "repository %s/%s", owner, repo)
	}
	return repoInfo(r), nil
}

// DirEntry is one entry of a directory listing.
type DirEntry struct {
	Name string
	Type string // file, dir, symlink, submodule
}

// ListDir lists dir ("" for the root) of owner/repo at ref. An empty
// repository gives NotFound, as GitHub answers 404 for it.
func (c *Client) ListDir(ctx context.Context, owner, repo, ref, dir string) ([]DirEntry, error) {
	_, entries, _, err := c.gh.Repositories.GetContents(Context(ctx), owner, repo, dir,
		&gogithub.RepositoryContentGetOptions{Ref: ref})
	if err != nil {
		return nil, wrap(err, "list %s/%s/%s at %s", owner, repo, dir, ref)
	}
	out := make([]DirEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, DirEntry{Name: e.GetName(), Type: e.GetType()})
	}
	return out, nil
}

// File returns path of owner/repo at ref with its blob SHA (what an update
// must name). NotFound when absent.
func (c *Client) File(ctx context.Context, owner, repo, ref, path string) ([]byte, string, error) {
	f, _, _, err := c.gh.Repositories.GetContents(Context(ctx), owner, repo, path,
		&gogithub.RepositoryContentGetOptions{Ref: ref})
	if err != nil {
		return nil, "", wrap(err, "read %s/%s/%s at %s", owner, repo, path, ref)
	}
	if f == nil {
		return nil, "", callboard.Errorf(callboard.Invalid, "%s/%s/%s is a directory", owner, repo, path)
	}
	s, err := f.GetContent()
	if err != nil {
		return nil, "", callboard.Wrap(callboard.Upstream, err, "decode %s/%s/%s", owner, repo, path)
	}
	return []byte(s), f.GetSHA(), nil
}

// Languages returns bytes of code per language.
func (c *Client) Languages(ctx context.Context, owner, repo string) (map[string]int, error) {
	l, _, err := c.gh.Repositories.ListLanguages(Context(ctx), owner, repo)
	if err != nil {
		return nil, wrap(err, "languages of %s/%s", owner, repo)
	}
	return l, nil
}

// TeamAccess is a team's permission on a repository.
type TeamAccess struct {
	Slug       string
	Permission string // pull, triage, push, maintain, admin
}

// RepoTeams lists the teams with access to owner/repo (all pages).
func (c *Client) RepoTeams(ctx context.Context, owner, repo string) ([]TeamAccess, error) {
	opts := &gogithub.ListOptions{PerPage: 100}
	var out []TeamAccess
	for {
		teams, resp, err := c.gh.Repositories.ListTeams(Context(ctx), owner, repo, opts)
		if err != nil {
			return nil, wrap(err, "teams of %s/%s", owner, repo)
		}
		for _, t := range teams {
			out = append(out, TeamAccess{Slug: t.GetSlug(), Permission: t.GetPermission()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// PullInfo is a pull request.
type PullInfo struct {
	Number int
	State  string // open or closed
	Merged bool
	URL    string
}

func pullInfo(p *gogithub.PullRequest) PullInfo {
	return PullInfo{Number: p.GetNumber(), State: p.GetState(), Merged: p.GetMerged() || p.MergedAt != nil, URL: p.GetHTMLURL()}
}

// PullsFrom lists the pull requests of owner/repo whose head is branch of
// the same repository, open and closed.
func (c *Client) PullsFrom(ctx context.Context, owner, repo, branch string) ([]PullInfo, error) {
	pulls, _, err := c.gh.PullRequests.List(Context(ctx), owner, repo,
		&gogithub.PullRequestListOptions{State: "all", Head: owner + ":" + branch, ListOptions: gogithub.ListOptions{PerPage: 100}})
	if err != nil {
		return nil, wrap(err, "pull requests of %s/%s from %s", owner, repo, branch)
	}
	out := make([]PullInfo, 0, len(pulls))
	for _, p := range pulls {
		out = append(out, pullInfo(p))
	}
	return out, nil
}

// BranchSHA returns the commit branch points at; NotFound when it does not
// exist.
func (c *Client) BranchSHA(ctx context.Context, owner, repo, branch string) (string, error) {
	ref, _, err := c.gh.Git.GetRef(Context(ctx), owner, repo, "heads/"+branch)
	if err != nil {
		return "", wrap(err, "branch %s of %s/%s", branch, owner, repo)
	}
	return ref.GetObject().GetSHA(), nil
}

// CreateBranch creates branch at sha; Conflict when it already exists.
func (c *Client) CreateBranch(ctx context.Context, owner, repo, branch, sha string) error {
	_, _, err := c.gh.Git.CreateRef(Context(ctx), owner, repo, gogithub.CreateRef{Ref: "refs/heads/" + branch, SHA: sha})
	return wrap(err, "create branch %s of %s/%s", branch, owner, repo)
}

// PutFile creates path on branch with one commit, or updates it when sha
// (the blob SHA of the current file) is set.
func (c *Client) PutFile(ctx context.Context, owner, repo, branch, path, message string, content []byte, sha string) error {
	opts := &gogithub.RepositoryContentFileOptions{Message: &message, Content: content, Branch: &branch}
	var err error
	if sha != "" {
		opts.SHA = &sha
		_, _, err = c.gh.Repositories.UpdateFile(Context(ctx), owner, repo, path, opts)
	} else {
		_, _, err = c.gh.Repositories.CreateFile(Context(ctx), owner, repo, path, opts)
	}
	return wrap(err, "write %s on %s of %s/%s", path, branch, owner, repo)
}

// OpenPull opens a pull request from head into base of owner/repo.
// Conflict when one is already open from head.
func (c *Client) OpenPull(ctx context.Context, owner, repo, head, base, title, body string) (PullInfo, error) {
	p, _, err := c.gh.PullRequests.Create(Context(ctx), owner, repo,
		&gogithub.NewPullRequest{Title: &title, Head: &head, Base: &base, Body: &body})
	if err != nil {
		return PullInfo{}, wrap(err, "open pull request from %s on %s/%s", head, owner, repo)
	}
	return pullInfo(p), nil
}

// RepoOfURL parses a repository web URL of this host:
// {web}/{owner}/{repo}, optionally followed by /tree/{ref}/{dir} or
// /blob/{ref}/{path}, or with a .git suffix. ok is false for other hosts
// and for URLs that name no repository.
func (c *Client) RepoOfURL(raw string) (owner, repo, ref, subpath string, ok bool) {
	rest, found := strings.CutPrefix(raw, "https://"+c.cfg.Host+"/")
	if !found {
		if rest, found = strings.CutPrefix(raw, c.cfg.webBase()+"/"); !found {
			return "", "", "", "", false
		}
	}
	rest, _, _ = strings.Cut(rest, "?")
	rest, _, _ = strings.Cut(rest, "#")
	parts := strings.SplitN(strings.Trim(rest, "/"), "/", 5)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return "", "", "", "", false
	}
	owner, repo = parts[0], strings.TrimSuffix(parts[1], ".git")
	if !urlSegment(owner) || !urlSegment(repo) {
		return "", "", "", "", false
	}
	if len(parts) >= 4 && (parts[2] == "tree" || parts[2] == "blob") {
		ref = parts[3]
		if len(parts) == 5 {
			subpath = parts[4]
		}
	} else if len(parts) > 2 {
		return "", "", "", "", false
	}
	return owner, repo, ref, subpath, true
}

// urlSegment reports whether s may be an owner or repository name.
func urlSegment(s string) bool {
	if s == "." || s == ".." || s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
