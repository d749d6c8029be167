package github

import (
	"encoding/json"
	"slices"
	"strings"

	"callboard"
	"callboard/plugin"
)

// Hosts holds every configured GitHub integration and routes the
// scaffolder actions to the one serving their repoUrl's host: a repoUrl on
// a host without an integration is refused (allowedHosts).
type Hosts []*Client

func (h Hosts) client(repoURL string) (*Client, error) {
	host, _, _ := strings.Cut(canonicalRepoURL(repoURL), "?")
	for _, c := range h {
		if strings.EqualFold(c.Host(), host) {
			return c, nil
		}
	}
	return nil, callboard.Errorf(callboard.Forbidden, "repoUrl host %q is not allowed: no integrations.github entry for it", host)
}

// allowed checks in.RepoURL's host against the template's allowedHosts,
// Backstage's input that templates such as its own examples set.
func allowed(in PublishInput) error {
	host, _, _ := strings.Cut(in.RepoURL, "?")
	if len(in.AllowedHosts) == 0 || slices.ContainsFunc(in.AllowedHosts, func(a string) bool { return strings.EqualFold(a, host) }) {
		return nil
	}
	return callboard.Errorf(callboard.Forbidden, "input.repoUrl: host %q is not in allowedHosts %v", host, in.AllowedHosts)
}

// Publish is publish:github on the integration of in.RepoURL's host.
func (h Hosts) Publish(sc callboard.StepContext, in PublishInput) error {
	if err := allowed(in); err != nil {
		return err
	}
	c, err := h.client(in.RepoURL)
	if err != nil {
		return err
	}
	return c.Publish(sc, in)
}

// UndoPublish deletes the repository Publish or RepoCreate created.
func (h Hosts) UndoPublish(sc callboard.StepContext, state json.RawMessage) error {
	var st undoState
	if err := json.Unmarshal(state, &st); err != nil {
		return callboard.Errorf(callboard.Invalid, "publish:github undo state %s is not a repository", state)
	}
	c, err := h.client(st.Host)
	if err != nil {
		return err
	}
	return c.UndoPublish(sc, state)
}

// RepoCreate is github:repo:create.
func (h Hosts) RepoCreate(sc callboard.StepContext, in PublishInput) error {
	if err := allowed(in); err != nil {
		return err
	}
	c, err := h.client(in.RepoURL)
	if err != nil {
		return err
	}
	return c.RepoCreate(sc, in)
}

// PullRequest is publish:github:pull-request.
func (h Hosts) PullRequest(sc callboard.StepContext, in PullRequestInput) error {
	c, err := h.client(in.RepoURL)
	if err != nil {
		return err
	}
	return c.PullRequest(sc, in)
}

// Dispatch is github:actions:dispatch.
func (h Hosts) Dispatch(sc callboard.StepContext, in DispatchInput) error {
	c, err := h.client(in.RepoURL)
	if err != nil {
		return err
	}
	return c.Dispatch(sc, in)
}

// Actions are the scaffolder's GitHub actions on these integrations; a
// created repository is deleted again when a later step fails.
func (h Hosts) Actions() []plugin.Action {
	publish := plugin.NewAction("publish:github", "Creates a GitHub repository and pushes the workspace to it.", h.Publish)
	publish.Undo = h.UndoPublish
	create := plugin.NewAction("github:repo:create", "Creates a GitHub repository without pushing.", h.RepoCreate)
	create.Undo = h.UndoPublish
	return []plugin.Action{publish, create,
		plugin.NewAction("publish:github:pull-request", "Pushes the workspace to a branch and opens a pull request.", h.PullRequest),
		plugin.NewAction("github:actions:dispatch", "Starts a GitHub Actions workflow with workflow_dispatch.", h.Dispatch),
	}
}
