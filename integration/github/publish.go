package github

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	gogithub "github.com/google/go-github/v75/github"

	"callboard"
)

// PublishInput is publish:github's input, with Backstage's names.
type PublishInput struct {
	RepoURL                      string         `json:"repoUrl"`
	AllowedHosts                 []string       `json:"allowedHosts,omitempty"` // hosts repoUrl may name; empty: any configured
	Description                  string         `json:"description,omitempty"`
	Homepage                     string         `json:"homepage,omitempty"`
	Access                       string         `json:"access,omitempty"`         // "org/team-slug" or a user login, given admin
	RepoVisibility               string         `json:"repoVisibility,omitempty"` // private (default), public, internal
	DefaultBranch                string         `json:"defaultBranch,omitempty"`  // default master, as in Backstage
	ProtectDefaultBranch         *bool          `json:"protectDefaultBranch,omitempty"`
	ProtectEnforceAdmins         *bool          `json:"protectEnforceAdmins,omitempty"`
	RequiredApprovingReviewCount *int           `json:"requiredApprovingReviewCount,omitempty"`
	RequireCodeOwnerReviews      bool           `json:"requireCodeOwnerReviews,omitempty"`
	RequiredStatusCheckContexts  []string       `json:"requiredStatusCheckContexts,omitempty"`
	DeleteBranchOnMerge          bool           `json:"deleteBranchOnMerge,omitempty"`
	AllowMergeCommit             *bool          `json:"allowMergeCommit,omitempty"`
	AllowSquashMerge             *bool          `json:"allowSquashMerge,omitempty"`
	AllowRebaseMerge             *bool          `json:"allowRebaseMerge,omitempty"`
	GitCommitMessage             string         `json:"gitCommitMessage,omitempty"`
	GitAuthorName                string         `json:"gitAuthorName,omitempty"`
	GitAuthorEmail               string         `json:"gitAuthorEmail,omitempty"`
	SourcePath                   string         `json:"sourcePath,omitempty"`
	Token                        string         `json:"token,omitempty"`
	Topics                       []string       `json:"topics,omitempty"`
	Collaborators                []Collaborator `json:"collaborators,omitempty"`
}

// Collaborator gives a user or team access to the new repository.
type Collaborator struct {
	User   string `json:"user,omitempty"`
	Team   string `json:"team,omitempty"`
	Access string `json:"access"` // pull, triage, push, maintain, admin
}

// repoRef is a parsed repoUrl.
type repoRef struct{ host, owner, repo string }

// parseRepoURL reads Backstage's repoUrl form "github.com?owner=o&repo=r"
// and checks that the host is this integration's (allowedHosts).
func (c *Client) parseRepoURL(repoURL string) (repoRef, error) {
	host, query, ok := strings.Cut(canonicalRepoURL(repoURL), "?")
	if !ok {
		return repoRef{}, callboard.Errorf(callboard.Invalid, "repoUrl %q: want host?owner=...&repo=...", repoURL)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return repoRef{}, callboard.Errorf(callboard.Invalid, "repoUrl %q: %v", repoURL, err)
	}
	r := repoRef{host: host, owner: q.Get("owner"), repo: q.Get("repo")}
	if r.owner == "" {
		r.owner = q.Get("organization")
	}
	if r.owner == "" || r.repo == "" {
		return r, callboard.Errorf(callboard.Invalid, "repoUrl %q: owner and repo are required", repoURL)
	}
	if !validName(r.owner) || !validName(r.repo) {
		return r, callboard.Errorf(callboard.Invalid, "repoUrl %q: owner and repo may hold only letters, digits, '-', '_' and '.'", repoURL)
	}
	if !strings.EqualFold(host, c.cfg.Host) {
		return r, callboard.Errorf(callboard.Forbidden, "repoUrl host %q is not allowed: no GitHub integration is configured for it (this one serves %s)", host, c.cfg.Host)
	}
	return r, nil
}

// canonicalRepoURL turns a repository's URL (https://host/owner/repo,
// with or without .git, as publish:github's remoteUrl output is) into
// Backstage's host?owner=...&repo=... form; other strings are kept. The
// brief's create-go-service passes remoteUrl to github:actions:dispatch.
func canonicalRepoURL(s string) string {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return s
		}
	}
	parts := strings.Split(strings.TrimSuffix(strings.TrimSuffix(rest, "/"), ".git"), "/")
	if len(parts) != 3 || strings.ContainsAny(rest, "?#@") {
		return s
	}
	return parts[0] + "?" + url.Values{"owner": {parts[1]}, "repo": {parts[2]}}.Encode()
}

func validName(s string) bool {
	if s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// undoState is what UndoPublish needs: the repository created.
type undoState struct {
	Host  string `json:"host"`
	Owner string `json:"owner"`
	Repo  string `json:"repo"`
}

// Publish is publish:github: it creates the repository, sets access,
// topics and branch protection, then pushes the workspace (sourcePath)
// with git. Outputs remoteUrl, repoContentsUrl and commitHash; its undo
// state names the repository, which UndoPublish deletes.
func (c *Client) Publish(sc callboard.StepContext, in PublishInput) error {
	ref, err := c.parseRepoURL(in.RepoURL)
	if err != nil {
		return err
	}
	if in.DefaultBranch == "" {
		in.DefaultBranch = "master"
	}
	src, err := sc.Path(in.SourcePath)
	if err != nil {
		return err
	}
	if sc.DryRun() {
		sc.Logf("dry run: would create %s/%s on %s and push %s", ref.owner, ref.repo, ref.host, orDot(in.SourcePath))
		c.outputs(sc, ref, in.DefaultBranch, "dry-run")
		return nil
	}
	repo, err := c.createRepo(sc, ref, in)
	if err != nil {
		return err
	}
	hash, err := c.pushDir(sc, ref, c.cloneURL(ref, repo.GetCloneURL()), in.Token, src, in.DefaultBranch, commitInfo{in.GitCommitMessage, in.GitAuthorName, in.GitAuthorEmail})
	if err != nil {
		return err
	}
	if in.ProtectDefaultBranch == nil || *in.ProtectDefaultBranch {
		if err := c.protect(sc, ref, in); err != nil {
			return err
		}
	}
	sc.Logf("pushed %s to %s (%s)", orDot(in.SourcePath), repo.GetHTMLURL(), hash[:min(len(hash), 12)])
	c.outputs(sc, ref, in.DefaultBranch, hash)
	return nil
}

func orDot(p string) string {
	if p == "" {
		return "."
	}
	return p
}

func (c *Client) outputs(sc callboard.StepContext, ref repoRef, branch, hash string) {
	html := fmt.Sprintf("%s/%s/%s", c.cfg.webBase(), ref.owner, ref.repo)
	sc.Output("remoteUrl", html+".git")
	sc.Output("repoContentsUrl", html+"/blob/"+branch)
	sc.Output("commitHash", hash)
}

// createRepo creates the repository (in the org, or for the token's user),
// records the undo state at once, then applies access and topics.
func (c *Client) createRepo(sc callboard.StepContext, ref repoRef, in PublishInput) (*gogithub.Repository, error) {
	ctx := c.actx(sc, in.Token)
	vis := in.RepoVisibility
	if vis == "" {
		vis = "private"
	}
	if vis != "private" && vis != "public" && vis != "internal" {
		return nil, callboard.Errorf(callboard.Invalid, "repoVisibility must be private, public or internal, not %q", vis)
	}
	owner, _, err := c.gh.Users.Get(ctx, ref.owner)
	if err != nil {
		return nil, wrap(err, "look up owner %s", ref.owner)
	}
	req := &gogithub.Repository{Name: &ref.repo, Description: nonEmpty(in.Description), Homepage: nonEmpty(in.Homepage),
		Private: gogithub.Ptr(vis != "public"), Visibility: &vis, DeleteBranchOnMerge: &in.DeleteBranchOnMerge,
		AllowMergeCommit: in.AllowMergeCommit, AllowSquashMerge: in.AllowSquashMerge, AllowRebaseMerge: in.AllowRebaseMerge}
	org := ""
	if owner.GetType() == "Organization" {
		org = ref.owner
	}
	repo, _, err := c.gh.Repositories.Create(ctx, org, req)
	if err != nil {
		return nil, wrap(err, "create repository %s/%s", ref.owner, ref.repo)
	}
	sc.SetUndo(undoState{Host: ref.host, Owner: ref.owner, Repo: ref.repo})
	sc.Logf("created repository %s", repo.GetHTMLURL())
	if in.Access != "" {
		if err := c.grant(sc, ref, org, Collaborator{Access: "admin"}, in.Access, in.Token); err != nil {
			return nil, err
		}
	}
	for _, col := range in.Collaborators {
		if err := c.grant(sc, ref, org, col, "", in.Token); err != nil {
			return nil, err
		}
	}
	if len(in.Topics) > 0 {
		if _, _, err := c.gh.Repositories.ReplaceAllTopics(ctx, ref.owner, ref.repo, in.Topics); err != nil {
			return nil, wrap(err, "set topics of %s/%s", ref.owner, ref.repo)
		}
	}
	return repo, nil
}

// grant gives a team ("org/slug" or a slug) or a user access.
func (c *Client) grant(sc callboard.StepContext, ref repoRef, org string, col Collaborator, access, token string) error {
	ctx := c.actx(sc, token)
	if access != "" {
		if team, ok := strings.CutPrefix(access, ref.owner+"/"); ok && org != "" {
			col.Team = team
		} else {
			col.User = access
		}
	}
	if col.Access == "" {
		col.Access = "push"
	}
	switch {
	case col.Team != "" && org != "":
		_, err := c.gh.Teams.AddTeamRepoBySlug(ctx, org, col.Team, ref.owner, ref.repo, &gogithub.TeamAddTeamRepoOptions{Permission: col.Access})
		return wrap(err, "give team %s %s access to %s/%s", col.Team, col.Access, ref.owner, ref.repo)
	case col.User != "":
		_, _, err := c.gh.Repositories.AddCollaborator(ctx, ref.owner, ref.repo, col.User, &gogithub.RepositoryAddCollaboratorOptions{Permission: col.Access})
		return wrap(err, "give %s %s access to %s/%s", col.User, col.Access, ref.owner, ref.repo)
	}
	return callboard.Errorf(callboard.Invalid, "collaborator needs user or team (teams only in organizations)")
}

func (c *Client) protect(sc callboard.StepContext, ref repoRef, in PublishInput) error {
	reviews := 1
	if in.RequiredApprovingReviewCount != nil {
		reviews = *in.RequiredApprovingReviewCount
	}
	enforce := in.ProtectEnforceAdmins == nil || *in.ProtectEnforceAdmins
	req := &gogithub.ProtectionRequest{EnforceAdmins: enforce,
		RequiredPullRequestReviews: &gogithub.PullRequestReviewsEnforcementRequest{
			RequiredApprovingReviewCount: reviews, RequireCodeOwnerReviews: in.RequireCodeOwnerReviews}}
	if len(in.RequiredStatusCheckContexts) > 0 {
		req.RequiredStatusChecks = &gogithub.RequiredStatusChecks{Contexts: &in.RequiredStatusCheckContexts}
	}
	_, _, err := c.gh.Repositories.UpdateBranchProtection(c.actx(sc, in.Token), ref.owner, ref.repo, in.DefaultBranch, req)
	return wrap(err, "protect branch %s of %s/%s", in.DefaultBranch, ref.owner, ref.repo)
}

// UndoPublish deletes the repository Publish created; one already gone is
// not an error.
func (c *Client) UndoPublish(sc callboard.StepContext, state json.RawMessage) error {
	var st undoState
	if err := json.Unmarshal(state, &st); err != nil || st.Owner == "" || st.Repo == "" {
		return callboard.Errorf(callboard.Invalid, "publish:github undo state %s is not a repository", state)
	}
	_, err := c.gh.Repositories.Delete(c.actx(sc, ""), st.Owner, st.Repo)
	if err != nil && kindOf(err) != callboard.NotFound {
		return wrap(err, "delete repository %s/%s", st.Owner, st.Repo)
	}
	sc.Logf("deleted repository %s/%s", st.Owner, st.Repo)
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
