package scaffold

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"

	"callboard"
	"callboard/git"
)

// PublishGitInput is publish:git's input.
type PublishGitInput struct {
	RepoURL          string   `json:"repoUrl" required:"true" description:"The git remote to push to: an http(s) URL, or file:// when the server allows it"`
	DefaultBranch    string   `json:"defaultBranch" description:"The branch to create. Defaults to main"`
	SourcePath       string   `json:"sourcePath" description:"Path within the workspace to push as the repository root. Defaults to the workspace"`
	GitCommitMessage string   `json:"gitCommitMessage" description:"Sets the commit message on the repository. Defaults to initial commit"`
	GitAuthorName    string   `json:"gitAuthorName" description:"Sets the default author name for the commit. Defaults to Scaffolder"`
	GitAuthorEmail   string   `json:"gitAuthorEmail" description:"Sets the default author email for the commit"`
	Token            string   `json:"token" description:"A token sent as HTTP basic auth password (user x-access-token)"`
	AllowedHosts     []string `json:"allowedHosts" description:"Hosts the repoUrl may name"`
	RepoContentsURL  string   `json:"repoContentsUrl" description:"Where the pushed files can be read over HTTP (for catalog:register); returned as the repoContentsUrl output"`
}

// gitUndo is what publish:git records: the branch it created.
type gitUndo struct {
	Remote string `json:"remote"` // without credentials
	Branch string `json:"branch"`
	Commit string `json:"commit"`
}

// publishGit commits the workspace (or sourcePath) and pushes it as a new
// branch of repoUrl. It refuses a branch that exists, so that undoing it
// (deleting the branch) never removes anyone else's work.
func (b *Builtins) publishGit(sc callboard.StepContext, in PublishGitInput) error {
	remote, err := b.gitRemote(in)
	if err != nil {
		return err
	}
	branch := in.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	src, err := sc.Path(in.SourcePath)
	if err != nil {
		return err
	}
	sc.Output("remoteUrl", remote)
	sc.Output("repoContentsUrl", in.RepoContentsURL)
	if sc.DryRun() {
		sc.Logf("Would push %s to branch %s of %s", displayPath(in.SourcePath), branch, remote)
		sc.Output("commitHash", "")
		return nil
	}
	gitDir, err := os.MkdirTemp("", "callboard-git-")
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "create git directory")
	}
	defer os.RemoveAll(gitDir)
	g := &gitCmd{ctx: sc.Context(), r: b.gitRunner(remote), cmd: git.Cmd{GitDir: gitDir, WorkTree: src, Remote: remote, Token: in.Token}}
	if out, err := g.run("ls-remote", "--heads", remote, "refs/heads/"+branch); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "read %s", remote)
	} else if strings.TrimSpace(out) != "" {
		return callboard.Errorf(callboard.Conflict, "%s already has a branch %s; publish:git only creates new branches", remote, branch)
	}
	name, email := in.GitAuthorName, in.GitAuthorEmail
	if name == "" {
		name = "Scaffolder"
	}
	if email == "" {
		email = "scaffolder@callboard.invalid"
	}
	msg := in.GitCommitMessage
	if msg == "" {
		msg = "initial commit"
	}
	g.cmd.Env = []string{"GIT_AUTHOR_NAME=" + name, "GIT_AUTHOR_EMAIL=" + email,
		"GIT_COMMITTER_NAME=" + name, "GIT_COMMITTER_EMAIL=" + email}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=" + branch},
		{"add", "--all"},
		{"commit", "--quiet", "--allow-empty", "-m", msg},
	} {
		if _, err := g.run(args...); err != nil {
			return callboard.Wrap(callboard.Internal, err, "git %s", args[0])
		}
	}
	commit, err := g.run("rev-parse", "HEAD")
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "git rev-parse")
	}
	commit = strings.TrimSpace(commit)
	if _, err := g.run("push", "--quiet", remote, "HEAD:refs/heads/"+branch); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "push to %s", remote)
	}
	sc.SetUndo(gitUndo{Remote: remote, Branch: branch, Commit: commit})
	sc.Output("commitHash", commit)
	sc.Logf("Pushed %s to branch %s of %s", commit[:min(12, len(commit))], branch, remote)
	return nil
}

// unpublishGit deletes the branch publish:git created, if it still points
// at the commit pushed.
func (b *Builtins) unpublishGit(sc callboard.StepContext, state json.RawMessage) error {
	var u gitUndo
	if err := json.Unmarshal(state, &u); err != nil || u.Remote == "" {
		return callboard.Errorf(callboard.Internal, "publish:git undo state %s is unreadable", state)
	}
	gitDir, err := os.MkdirTemp("", "callboard-git-")
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "create git directory")
	}
	defer os.RemoveAll(gitDir)
	// Tokens are never stored in undo state: only remotes that need no
	// token can be undone (documented in the README).
	g := &gitCmd{ctx: sc.Context(), r: b.gitRunner(u.Remote), cmd: git.Cmd{GitDir: gitDir, Remote: u.Remote}}
	if _, err := g.run("init", "--quiet", "--bare"); err != nil {
		return callboard.Wrap(callboard.Internal, err, "git init")
	}
	ref := "refs/heads/" + u.Branch
	if _, err := g.run("push", "--quiet", "--force-with-lease="+ref+":"+u.Commit, u.Remote, ":"+ref); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "delete branch %s of %s", u.Branch, u.Remote)
	}
	sc.Logf("Deleted branch %s of %s", u.Branch, u.Remote)
	return nil
}

// gitRemote checks repoUrl against the allowed schemes and hosts.
func (b *Builtins) gitRemote(in PublishGitInput) (string, error) {
	u, err := url.Parse(in.RepoURL)
	if err != nil || u.Scheme == "" {
		return "", callboard.Errorf(callboard.Invalid, "input.repoUrl %q is not a URL; publish:git needs a git remote URL such as https://git.example.com/team/repo.git", in.RepoURL)
	}
	u.User = nil // credentials come from token, never from the URL
	switch u.Scheme {
	case "file":
		if !b.AllowFileRemotes {
			return "", callboard.Errorf(callboard.Forbidden, "input.repoUrl: file:// remotes are not allowed on this server")
		}
		return u.String(), nil
	case "http", "https":
	default:
		return "", callboard.Errorf(callboard.Invalid, "input.repoUrl: scheme %s is not supported; use http(s)", u.Scheme)
	}
	if len(in.AllowedHosts) > 0 && !slices.Contains(in.AllowedHosts, u.Host) && !slices.Contains(in.AllowedHosts, u.Hostname()) {
		return "", callboard.Errorf(callboard.Forbidden, "input.repoUrl: host %s is not in allowedHosts %v", u.Host, in.AllowedHosts)
	}
	if !callboard.HostRules(b.GitAllowHosts...).Allows(u) {
		return "", callboard.Errorf(callboard.Forbidden, "input.repoUrl: pushing to %s is not allowed on this server", u.Host)
	}
	return u.String(), nil
}

// gitRunner is the runner for remote: https, http, and file when the
// server allows file remotes (gitRemote checked the hosts).
func (b *Builtins) gitRunner(remote string) git.Runner {
	scheme := ""
	if u, err := url.Parse(remote); err == nil {
		scheme = u.Scheme
	}
	return git.Runner{AllowFile: scheme == "file" && b.AllowFileRemotes, AllowHTTP: scheme == "http"}
}

// gitCmd runs git commands of one publish: a private git directory, the
// workspace as work tree, the token scoped to the remote.
type gitCmd struct {
	ctx context.Context
	r   git.Runner
	cmd git.Cmd
}

func (g *gitCmd) run(args ...string) (string, error) {
	c := g.cmd
	c.Args = args
	return g.r.Run(g.ctx, c)
}
