package onboard

import (
	"context"
	"strings"

	"callboard"
	"callboard/integration/github"
)

// gather reads the facts Infer needs about repo at ref: languages, the
// root listing (passed in when the caller has it), CODEOWNERS, README's
// first paragraph when there is no description, and the teams when
// CODEOWNERS names none. A missing optional file is not an error.
func gather(ctx context.Context, c *github.Client, repo github.RepoInfo, ref string, root []github.DirEntry) (Facts, error) {
	f := Facts{Owner: repo.Owner, Repo: repo.Name, Description: repo.Description, Homepage: repo.Homepage,
		Topics: repo.Topics, Root: map[string]bool{}}
	for _, e := range root {
		name := e.Name
		if e.Type == "dir" {
			name += "/"
		}
		f.Root[name] = true
	}
	var err error
	if f.Languages, err = c.Languages(ctx, repo.Owner, repo.Name); err != nil {
		return f, err
	}
	for _, p := range codeownersPaths {
		dir, _, _ := strings.Cut(p, "/")
		if !f.Root[p] && !f.Root[dir+"/"] {
			continue // neither the file nor its directory is at the root
		}
		b, _, err := c.File(ctx, repo.Owner, repo.Name, ref, p)
		if callboard.ErrorKind(err) == callboard.NotFound {
			continue
		}
		if err != nil {
			return f, err
		}
		f.CodeOwners, f.CodeOwnersPath = string(b), p
		break
	}
	if strings.TrimSpace(f.Description) == "" {
		for _, name := range []string{"README.md", "readme.md", "README"} {
			if f.Root[name] {
				b, _, err := c.File(ctx, repo.Owner, repo.Name, ref, name)
				if err != nil && callboard.ErrorKind(err) != callboard.NotFound {
					return f, err
				}
				f.Readme = firstParagraph(string(b))
				break
			}
		}
	}
	if codeownersTeam(f.Owner, f.CodeOwners) == "" {
		teams, err := c.RepoTeams(ctx, repo.Owner, repo.Name)
		// A token without org read rights gets 403/404 here; the owner
		// then falls back to --owner rather than failing the repository.
		if err != nil && callboard.ErrorKind(err) != callboard.Forbidden && callboard.ErrorKind(err) != callboard.NotFound {
			return f, err
		}
		f.Teams = teams
	}
	return f, nil
}

// firstParagraph returns the first prose paragraph of a README: no
// headings, badges, HTML or code fences; at most 200 characters.
func firstParagraph(md string) string {
	var para []string
	fence := false
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
			continue
		}
		switch {
		case fence:
		case t == "":
			if len(para) > 0 {
				return clip(strings.Join(para, " "), 200)
			}
		case strings.HasPrefix(t, "---"), strings.HasPrefix(t, "==="):
			para = nil // the lines above were a setext heading (or a rule)
		case strings.HasPrefix(t, "#"), strings.HasPrefix(t, "<"), strings.HasPrefix(t, "!["),
			strings.HasPrefix(t, "[!["), strings.HasPrefix(t, "|"):
			if len(para) > 0 {
				return clip(strings.Join(para, " "), 200)
			}
		default:
			para = append(para, t)
		}
	}
	return clip(strings.Join(para, " "), 200)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
