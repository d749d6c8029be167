package onboard

import (
	"context"
	"path"
	"strings"

	"callboard"
	"callboard/catalog"
	"callboard/integration/github"
)

// Analyzer answers analyze-location for the repository URLs of one GitHub
// host (https://github.com/org/repo, …/tree/ref/dir, …/blob/ref/file)
// with the same inference as Run.
type Analyzer struct {
	client *github.Client
	owner  string
}

var _ catalog.RepoAnalyzer = (*Analyzer)(nil)

// NewAnalyzer returns an analyzer for c's host; defaultOwner ("" means
// group:default/unknown) is suggested when no team can be inferred, and
// marked as needing the user's input.
func NewAnalyzer(c *github.Client, defaultOwner string) *Analyzer {
	if defaultOwner == "" {
		defaultOwner = DefaultOwner
	}
	return &Analyzer{client: c, owner: defaultOwner}
}

// DescriptorURL implements catalog.RepoAnalyzer: a blob URL of a YAML file
// is the descriptor itself; otherwise filename at the root, or in the
// directory of a tree URL, at the named ref (HEAD when none).
func (a *Analyzer) DescriptorURL(target, filename string) (string, bool) {
	owner, repo, ref, sub, ok := a.client.RepoOfURL(target)
	if !ok {
		return "", false
	}
	if strings.Contains(target, "/blob/") {
		if ext := path.Ext(sub); ext == ".yaml" || ext == ".yml" {
			return a.client.FileURL(owner, repo, ref, sub), true
		}
		sub = path.Dir(sub) // another file: the descriptor next to it
	}
	if ref == "" {
		ref = "HEAD"
	}
	return a.client.FileURL(owner, repo, ref, path.Join(sub, filename)), true
}

// Suggest implements catalog.RepoAnalyzer.
func (a *Analyzer) Suggest(ctx context.Context, target string) (catalog.GeneratedEntity, error) {
	owner, name, ref, sub, ok := a.client.RepoOfURL(target)
	if !ok {
		return catalog.GeneratedEntity{}, callboard.Errorf(callboard.Invalid, "%s is not a repository URL of %s", target, a.client.Host())
	}
	if strings.Contains(target, "/blob/") {
		sub = path.Dir(sub) // the directory of the file named
		if sub == "." {
			sub = ""
		}
	}
	repo, err := a.client.Repo(ctx, owner, name)
	if err != nil {
		return catalog.GeneratedEntity{}, err
	}
	if ref == "" {
		ref = repo.DefaultBranch
	}
	root, err := a.client.ListDir(ctx, owner, name, ref, "")
	if err != nil && callboard.ErrorKind(err) != callboard.NotFound { // empty repository: no files
		return catalog.GeneratedEntity{}, err
	}
	f, err := gather(ctx, a.client, repo, ref, root)
	if err != nil {
		return catalog.GeneratedEntity{}, err
	}
	f.Subpath = sub
	in, err := Infer(f, a.owner)
	if err != nil {
		return catalog.GeneratedEntity{}, callboard.Wrap(callboard.Invalid, err, "%s", target)
	}
	gen := catalog.GeneratedEntity{Entity: in.Entity()}
	for _, fl := range in.Fields {
		state := "analysisSuggestedValue"
		if fl.Guessed {
			state = "needsUserInput"
		}
		gen.Fields = append(gen.Fields, catalog.GeneratedField{Field: fl.Path, State: state, Value: fl.Value, Description: fl.Source})
	}
	return gen, nil
}

// GitHubAnalyzer is NewAnalyzer with the default owner, in the shape the
// GitHub plugin takes (github.Plugin): app/plugins.go joins the two.
func GitHubAnalyzer(c *github.Client) callboard.RepoAnalyzer { return NewAnalyzer(c, "") }
