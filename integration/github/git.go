package github

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"callboard"
	"callboard/git"
)

// tokenKey carries a step's own token (the action's token input).
type tokenKey struct{}

// actx is the context of an action's API calls: the step's, with the
// action's token when it gave one, and go-github's rate check off.
func (c *Client) actx(sc callboard.StepContext, token string) context.Context {
	ctx := Context(sc.Context())
	if token != "" {
		ctx = context.WithValue(ctx, tokenKey{}, token)
	}
	return ctx
}

type commitInfo struct{ message, name, email string }

// pushDir commits every file under dir (a fresh history, git dir outside
// the workspace) and pushes it to branch of the repository. It returns the
// commit hash.
func (c *Client) pushDir(sc callboard.StepContext, ref repoRef, remote, token, dir, branch string, ci commitInfo) (string, error) {
	gitDir, err := os.MkdirTemp("", "callboard-push-*")
	if err != nil {
		return "", callboard.Wrap(callboard.Internal, err, "temp dir")
	}
	defer os.RemoveAll(gitDir)
	if ci.message == "" {
		ci.message = "initial commit"
	}
	if ci.name == "" {
		ci.name = "Scaffolder"
	}
	if ci.email == "" {
		ci.email = "scaffolder@callboard.local"
	}
	g := c.gitCmd(sc, ref, token, git.Cmd{GitDir: gitDir, WorkTree: dir, Remote: remote, Env: authorEnv(ci.name, ci.email)})
	steps := [][]string{
		{"init", "--quiet", "--initial-branch", branch},
		{"add", "--all", "--force", "."},
		{"commit", "--quiet", "--allow-empty", "--no-verify", "-m", ci.message},
		{"push", "--quiet", remote, "HEAD:refs/heads/" + branch},
	}
	for _, s := range steps {
		if _, err := g(s...); err != nil {
			return "", err
		}
	}
	out, err := g("rev-parse", "HEAD")
	return strings.TrimSpace(out), err
}

// authorEnv makes name and email the author and committer of commits.
func authorEnv(name, email string) []string {
	return []string{"GIT_AUTHOR_NAME=" + name, "GIT_AUTHOR_EMAIL=" + email,
		"GIT_COMMITTER_NAME=" + name, "GIT_COMMITTER_EMAIL=" + email}
}

func (c *Client) remote(ref repoRef) string {
	return fmt.Sprintf("%s/%s/%s.git", c.cfg.webBase(), ref.owner, ref.repo)
}

// cloneURL is where to push a repository the API created: its clone_url,
// as Backstage pushes, when that is on the integration's host or the API's
// (a GitHub Enterprise or test server serving git next to its API); else
// the remote derived from the host. The token never goes elsewhere.
func (c *Client) cloneURL(ref repoRef, apiClone string) string {
	u, err := url.Parse(apiClone)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return c.remote(ref)
	}
	api, _ := url.Parse(c.cfg.APIBaseURL)
	if strings.EqualFold(u.Host, c.cfg.Host) || (api != nil && strings.EqualFold(u.Host, api.Host)) {
		return u.String()
	}
	return c.remote(ref)
}

// gitCmd returns a runner of git commands like base (whose Remote is the
// repository's URL) with the step's token, or else the integration's
// token for the owner, fetched for each command (installation tokens
// expire). Plain http is allowed only when the integration's API is http
// (test servers), so a token never travels in clear text otherwise.
func (c *Client) gitCmd(sc callboard.StepContext, ref repoRef, token string, base git.Cmd) func(args ...string) (string, error) {
	r := git.Runner{AllowHTTP: strings.HasPrefix(c.cfg.webBase(), "http:")}
	return func(args ...string) (string, error) {
		cmd := base
		cmd.Args, cmd.Token = args, token
		if cmd.Token == "" {
			var err error
			if cmd.Token, err = c.token(sc.Context(), ref.owner); err != nil {
				return "", callboard.Wrap(callboard.Upstream, err, "token for %s", ref.owner)
			}
		}
		return r.Run(sc.Context(), cmd)
	}
}
