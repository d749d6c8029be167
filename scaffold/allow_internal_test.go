package scaffold

import (
	"testing"

	"callboard"
)

// TestAttackGitAllowHostsOtherPort: scaffolder.git.allowHosts follows
// backend.reading.allow: a host without a port allows its default port
// only, so a template cannot push to another service on that host.
func TestAttackGitAllowHostsOtherPort(t *testing.T) {
	b := &Builtins{GitAllowHosts: []string{"git.example.com", "git.internal:3000"}}
	for _, tc := range []struct {
		repo string
		kind callboard.Kind // "" for success
	}{
		{"https://git.example.com/team/repo.git", ""},
		{"https://git.example.com:443/team/repo.git", ""},
		{"http://git.example.com:2375/team/repo.git", callboard.Forbidden},
		{"http://git.internal:3000/team/repo.git", ""},
		{"http://git.internal:3001/team/repo.git", callboard.Forbidden},
		{"https://git.internal/team/repo.git", callboard.Forbidden},
	} {
		_, err := b.gitRemote(PublishGitInput{RepoURL: tc.repo})
		if callboard.ErrorKind(err) != tc.kind && !(tc.kind == "" && err == nil) {
			t.Errorf("gitRemote(%s) = %v, want kind %q", tc.repo, err, tc.kind)
		}
	}
}
