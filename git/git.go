// Package git runs the git binary for every feature that clones or pushes
// (TechDocs sources, publish:git, publish:github and its pull requests):
// one place holds the protocol allow-list, the redirect policy, how
// credentials reach git, the timeout and the redaction of errors.
package git

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"callboard"
)

// DefaultTimeout bounds one command when Runner.Timeout is zero.
const DefaultTimeout = 5 * time.Minute

// DefaultUsername is the HTTP Basic user sent with a token when Cmd names
// none; GitHub takes a token as the password of any user, by convention
// x-access-token.
const DefaultUsername = "x-access-token"

// maxStderr is how much of git's error output (its end, where the fatal
// line is) an error keeps.
const maxStderr = 1000

// Runner runs git commands. Its zero value runs "git" from PATH, talks to
// https remotes only, and stops a command after DefaultTimeout. A Runner
// is a plain value and safe for concurrent use.
type Runner struct {
	// Binary is the git executable; empty is "git" on PATH.
	Binary string
	// Timeout bounds one command; zero is DefaultTimeout.
	Timeout time.Duration
	// AllowFile allows file:// URLs and local paths as remotes (tests,
	// mirrors on the same machine): off, a remote cannot make git read the
	// server's own files.
	AllowFile bool
	// AllowHTTP allows plain http:// remotes (test servers; credentials
	// then travel in clear text).
	AllowHTTP bool
}

// Cmd is one git command.
type Cmd struct {
	// Dir is the working directory; empty is the process's.
	Dir string
	// GitDir and WorkTree, when set, are passed as --git-dir and
	// --work-tree.
	GitDir, WorkTree string
	// Remote is the URL the command talks to, the only origin (scheme,
	// host and port) the credentials are sent to. It must be set when
	// Token is, and is checked against the allowed protocols.
	Remote string
	// Username and Token are the HTTP Basic credentials for Remote;
	// Username defaults to DefaultUsername. An empty Token sends none.
	Username, Token string
	// Env adds variables (GIT_AUTHOR_NAME...) to the command's environment;
	// the Runner's own settings win over them.
	Env []string
	// Args are git's arguments, starting with the subcommand.
	Args []string
}

// Run runs c and returns its standard output. Errors:
//   - Invalid: credentials in Remote's URL, or a Token without a Remote;
//   - Forbidden: Remote's protocol is not allowed;
//   - Upstream: git failed ("git clone: exit status 128: fatal: ...", its
//     error output with the token redacted) or timed out; a cancelled ctx
//     is in the error's chain;
//   - Internal: git could not be started.
//
// Git runs without prompts, system or user configuration, inherited GIT_*
// variables, hooks or credential helpers; it speaks https (and file or
// http when the Runner allows them) and follows no redirects. The
// credentials reach git as an Authorization header scoped to Remote's
// origin, through the environment: never in the arguments (which other
// local users can read), the repository's .git/config or a remote URL.
func (r Runner) Run(ctx context.Context, c Cmd) (string, error) {
	sub := subcommand(c.Args)
	header, secrets, err := r.credentials(c)
	if err != nil {
		return "", err
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	bin := r.Binary
	if bin == "" {
		bin = "git"
	}
	cmd := exec.CommandContext(cctx, bin, append(r.options(c), c.Args...)...)
	cmd.Dir = c.Dir
	cmd.Env = environ(c.Env, header)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A helper (git-remote-https) may hold the pipes after git is killed.
	cmd.WaitDelay = 5 * time.Second
	killGroup(cmd)
	err = cmd.Run()
	if err == nil {
		return stdout.String(), nil
	}
	switch {
	case ctx.Err() != nil:
		return "", callboard.Wrap(callboard.Upstream, ctx.Err(), "git %s", sub)
	case cctx.Err() != nil:
		return "", callboard.Errorf(callboard.Upstream, "git %s: timed out after %s", sub, timeout)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return "", callboard.Errorf(callboard.Internal, "cannot run git: %v", redact(err.Error(), secrets))
	}
	msg := redact(strings.TrimSpace(stderr.String()), secrets)
	if len(msg) > maxStderr {
		// Cut after redacting, so that no part of a secret is left.
		msg = strings.ToValidUTF8("..."+msg[len(msg)-maxStderr:], "")
	}
	return "", callboard.Errorf(callboard.Upstream, "git %s: %v: %s", sub, err, msg)
}

// credentials checks c.Remote and returns the config entry that sends
// c's credentials to it (empty without a token) and the strings that must
// not appear in errors.
func (r Runner) credentials(c Cmd) (header [2]string, secrets []string, err error) {
	if c.Remote == "" {
		if c.Token != "" {
			return header, nil, callboard.Errorf(callboard.Invalid, "git %s: a token needs the remote it is for", subcommand(c.Args))
		}
		return header, nil, nil
	}
	u, perr := url.Parse(c.Remote)
	if perr != nil {
		return header, nil, callboard.Errorf(callboard.Invalid, "git remote %q is not a URL", c.Remote)
	}
	if u.User != nil {
		return header, nil, callboard.Errorf(callboard.Invalid, "git remote %s://%s: credentials go in the integration config, not in the URL", u.Scheme, u.Host)
	}
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "https":
	case scheme == "http" && r.AllowHTTP:
	case (scheme == "file" || scheme == "") && r.AllowFile:
		return header, nil, nil // no HTTP, nothing to send
	default:
		return header, nil, callboard.Errorf(callboard.Forbidden, "git remote %s: protocol %q is not allowed", redactURL(u), u.Scheme)
	}
	if c.Token == "" {
		return header, nil, nil
	}
	user := c.Username
	if user == "" {
		user = DefaultUsername
	}
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + c.Token))
	// http.<url>.extraHeader applies to URLs of that scheme, host and
	// port only; redirects are off, so nothing else gets the header.
	origin := strings.ToLower(u.Scheme) + "://" + u.Host + "/"
	header = [2]string{"http." + origin + ".extraHeader", "Authorization: Basic " + basic}
	return header, []string{c.Token, basic}, nil
}

// options are the global options before the subcommand.
func (r Runner) options(c Cmd) []string {
	allow := func(proto string, ok bool) string {
		if ok {
			return "protocol." + proto + ".allow=always"
		}
		return "protocol." + proto + ".allow=never"
	}
	var opts []string
	for _, kv := range []string{
		// Per-protocol settings override protocol.allow, and a clone's
		// own config could set them: name every transport git has.
		"protocol.allow=never",
		allow("https", true),
		allow("http", r.AllowHTTP),
		allow("file", r.AllowFile),
		allow("ssh", false),
		allow("git", false),
		allow("ext", false),
		allow("fd", false),
		"http.followRedirects=false",
		"credential.helper=",
		"core.hooksPath=" + os.DevNull,
	} {
		opts = append(opts, "-c", kv)
	}
	if c.GitDir != "" {
		opts = append(opts, "--git-dir", c.GitDir)
	}
	if c.WorkTree != "" {
		opts = append(opts, "--work-tree", c.WorkTree)
	}
	return opts
}

// environ is the process environment without GIT_* variables (a GIT_DIR
// from a hook, GIT_CONFIG_PARAMETERS, GIT_TRACE_CURL...), then extra,
// then the Runner's settings and the credential header.
func environ(extra []string, header [2]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	env = append(env, extra...)
	env = append(env,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_LFS_SKIP_SMUDGE=1",
	)
	if header[0] == "" {
		return append(env, "GIT_CONFIG_COUNT=0")
	}
	return append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0="+header[0], "GIT_CONFIG_VALUE_0="+header[1])
}

// redact replaces each non-empty secret in s with ***.
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// redactURL is u without credentials, query or fragment, for messages.
func redactURL(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.Fragment = nil, "", ""
	return v.String()
}

// subcommand is the first argument that is not a global option.
func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-c" || a == "-C" || a == "--git-dir" || a == "--work-tree":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return "(none)"
}
