package web_test

import (
	"testing"

	"callboard/catalog"
	"callboard/integration/github"
	"callboard/internal/githubfake"
	"callboard/scaffold"
	"callboard/urlread"
)

// createOrg is the GitHub organization the compat templates publish to.
const createOrg = "my-github-org"

// addGitHub starts a fake GitHub serving the compat templates' github.com,
// lets reader read its blob URLs (catalog:register) and registers the
// GitHub actions the brief's create-go-service uses, as serve does
// (cmd/callboard/actions.go; repeated here because web may not depend on
// cmd). The skeleton has no init-service.yml: the organization provides it.
func addGitHub(t testing.TB, actions *scaffold.Actions, reader *catalog.Reader) *githubfake.Server {
	t.Helper()
	gh := githubfake.NewServer(t)
	gh.AddOrg(createOrg, "octocat")
	gh.AddWorkflow(createOrg, "init-service.yml")
	c, err := github.New(github.Config{Host: "github.com", APIBaseURL: gh.APIURL(), Token: githubfake.Token}, github.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if reader.URLs == nil {
		reader.URLs = &urlread.Reader{}
	}
	reader.URLs.Integrations = append(reader.URLs.Integrations, c.URLIntegrations()...)
	hosts := github.Hosts{c}
	scaffold.Add(actions, "publish:github", hosts.Publish, scaffold.WithUndo(hosts.UndoPublish))
	scaffold.Add(actions, "github:actions:dispatch", hosts.Dispatch)
	return gh
}
