package github_test

import (
	"testing"

	"callboard"
	"callboard/integration/github"
	"callboard/internal/githubfake"
)

// TestHostsAllowedHostsAndRepositoryURLs: a template's allowedHosts
// refuses a repoUrl elsewhere, and a repository URL (publish:github's
// remoteUrl, which the brief's create-go-service passes to
// github:actions:dispatch) names the same repository as host?owner&repo.
func TestHostsAllowedHostsAndRepositoryURLs(t *testing.T) {
	s := githubfake.NewServer(t)
	s.AddOrg("acme")
	s.AddRepo("acme", "svc", map[string]string{".github/workflows/ci.yml": "on: workflow_dispatch\n"}, githubfake.RepoOptions{})
	hosts := github.Hosts{newClient(t, s, github.Config{Token: githubfake.Token})}
	in := github.PublishInput{RepoURL: s.Host() + "?owner=acme&repo=other", AllowedHosts: []string{"github.com"}}
	if err := hosts.Publish(newStep(t, nil), in); callboard.ErrorKind(err) != callboard.Forbidden {
		t.Fatalf("repoUrl outside allowedHosts: %v", err)
	}
	if s.Repo("acme", "other") != nil {
		t.Fatal("the refused publish created the repository")
	}
	for _, u := range []string{s.URL + "/acme/svc.git", s.URL + "/acme/svc", s.Host() + "?owner=acme&repo=svc"} {
		if err := hosts.Dispatch(newStep(t, nil), github.DispatchInput{RepoURL: u, WorkflowID: "ci.yml", BranchOrTagName: "main"}); err != nil {
			t.Errorf("dispatch with repoUrl %s: %v", u, err)
		}
	}
	if n := len(s.Dispatches()); n != 3 {
		t.Errorf("dispatches = %d, want 3", n)
	}
	if err := hosts.Dispatch(newStep(t, nil), github.DispatchInput{RepoURL: "https://evil.example.com/acme/svc.git", WorkflowID: "ci.yml", BranchOrTagName: "main"}); callboard.ErrorKind(err) != callboard.Forbidden {
		t.Errorf("repository URL on another host: %v", err)
	}
}
