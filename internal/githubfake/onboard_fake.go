package githubfake

import (
	"strings"
)

// This file adds what the onboarding tests need to set up and inspect:
// closed pull requests and the branches of a repository.

// ClosePull closes pull request number of owner/name, as a reviewer
// declining it would. It reports whether the pull request exists.
func (s *Server) ClosePull(owner, name string, number int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pulls[owner+"/"+name] {
		if p.Number == number {
			p.State = "closed"
			return true
		}
	}
	return false
}

// Branches returns the branch names of owner/name, sorted.
func (s *Server) Branches(owner, name string) []string {
	s.t.Helper()
	r := s.Repo(owner, name)
	if r == nil {
		s.t.Fatalf("githubfake: no repository %s/%s", owner, name)
	}
	out, err := git(r.gitDir, nil, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
	if err != nil {
		s.t.Fatalf("githubfake: %v", err)
	}
	return strings.Fields(string(out))
}
