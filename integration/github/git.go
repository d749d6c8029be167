package github

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"callboard"
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
	g := c.gitCmd(sc, ref, token, "--git-dir", gitDir, "--work-tree", dir)
	if ci.message == "" {
		ci.message = "initial commit"
	}
	if ci.name == "" {
		ci.name = "Scaffolder"
	}
	if ci.email == "" {
		ci.email = "scaffolder@callboard.local"
	}
	steps := [][]string{
		{"init", "--quiet", "--initial-branch", branch},
		{"add", "--all", "--force", "."},
		{"-c", "user.name=" + ci.name, "-c", "user.email=" + ci.email, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", ci.message},
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

// gitCmd returns a runner of git with the integration's credentials sent
// as an HTTP header from the environment (never on the command line or in
// a remote URL, so they reach neither logs nor .git/config).
func (c *Client) gitCmd(sc callboard.StepContext, ref repoRef, token string, pre ...string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		tok := token
		if tok == "" {
			var err error
			if tok, err = c.token(sc.Context(), ref.owner); err != nil {
				return "", callboard.Wrap(callboard.Upstream, err, "token for %s", ref.owner)
			}
		}
		cmd := exec.CommandContext(sc.Context(), "git", append(append([]string{}, pre...), args...)...)
		cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		if tok != "" {
			basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + tok))
			cmd.Env = append(cmd.Env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader",
				"GIT_CONFIG_VALUE_0=Authorization: Basic "+basic)
		}
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			msg := strings.ReplaceAll(strings.TrimSpace(stderr.String()), tok, "***")
			return "", callboard.Errorf(callboard.Upstream, "git %s: %v: %s", args[0], err, msg)
		}
		return out.String(), nil
	}
}
