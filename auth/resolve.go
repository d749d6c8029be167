package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"callboard"
)

// Annotations the GitHub resolvers match, as Backstage's GitHub org
// provider writes them on User entities.
const (
	AnnotationGitHubUserLogin = "github.com/user-login"
	AnnotationGitHubUserID    = "github.com/user-id"
)

// resolverNames are the sign-in resolvers callboard knows, by Backstage's
// names.
var resolverNames = []string{
	"usernameMatchingUserEntityName",
	"emailMatchingUserEntityProfileEmail",
	"emailLocalPartMatchingUserEntityName",
	"userIdMatchingUserEntityAnnotation",
}

// checkResolvers reports an unknown resolver name at its config key.
func checkResolvers(key string, rs []ResolverConfig) error {
	for i, r := range rs {
		if !slices.Contains(resolverNames, r.Resolver) {
			return callboard.Errorf(callboard.Invalid, "%s.signIn.resolvers[%d].resolver: unknown resolver %q (known: %s)",
				key, i, r.Resolver, strings.Join(resolverNames, ", "))
		}
	}
	return nil
}

// resolve maps an outside identity to a principal with the first resolver
// that finds exactly one User entity. Errors: Forbidden when none does
// (unless a resolver allows users outside the catalog), Internal.
func (s *Service) resolve(ctx context.Context, id Identity, rs []ResolverConfig) (callboard.Principal, error) {
	var tried []string
	for _, r := range rs {
		users, what, err := s.match(ctx, id, r)
		if err != nil {
			return callboard.Principal{}, err
		}
		if what == "" {
			continue // the identity lacks what this resolver needs
		}
		switch len(users) {
		case 1:
			return principalOf(users[0], id.Email), nil
		case 0:
			tried = append(tried, what)
		default:
			return callboard.Principal{}, callboard.Errorf(callboard.Forbidden,
				"sign-in failed: %d User entities match %s; the catalog must have exactly one", len(users), what)
		}
	}
	for _, r := range rs {
		if !r.DangerouslyAllowSignInWithoutUserInCatalog {
			continue
		}
		name := id.Username
		if name == "" {
			name, _, _ = strings.Cut(id.Email, "@")
		}
		if name == "" {
			break
		}
		ref := callboard.EntityRef{Kind: "user", Namespace: callboard.DefaultNamespace, Name: strings.ToLower(name)}.String()
		return callboard.Principal{Subject: ref, Ownership: []string{ref}, Email: id.Email}, nil
	}
	who := id.Username
	if who == "" {
		who = id.Email
	}
	if len(tried) == 0 {
		return callboard.Principal{}, callboard.Errorf(callboard.Forbidden,
			"sign-in failed: %s user %q has nothing the configured resolvers can match", id.Provider, who)
	}
	return callboard.Principal{}, callboard.Errorf(callboard.Forbidden,
		"sign-in failed: no User entity in the catalog matches %s user %q (looked for %s); ask an admin to add you to the catalog",
		id.Provider, who, strings.Join(tried, ", then "))
}

// match runs one resolver. what describes the lookup for messages; it is
// "" when the identity has nothing this resolver can use.
func (s *Service) match(ctx context.Context, id Identity, r ResolverConfig) ([]*callboard.Entity, string, error) {
	find := func(key, value string) ([]*callboard.Entity, string, error) {
		users, err := s.opts.Catalog.Users(ctx, key, value)
		return users, fmt.Sprintf("%s=%s", key, value), err
	}
	switch r.Resolver {
	case "usernameMatchingUserEntityName":
		if id.Username == "" {
			return nil, "", nil
		}
		// Users from GitHub's org provider carry the login; their names
		// may have been normalized, so the annotation is asked first.
		if id.Provider == "github" {
			users, _, err := find("metadata.annotations."+AnnotationGitHubUserLogin, id.Username)
			if err != nil || len(users) > 0 {
				return users, "annotation " + AnnotationGitHubUserLogin, err
			}
		}
		return find("metadata.name", id.Username)
	case "userIdMatchingUserEntityAnnotation":
		if id.UserID == "" || id.Provider != "github" {
			return nil, "", nil
		}
		return find("metadata.annotations."+AnnotationGitHubUserID, id.UserID)
	case "emailMatchingUserEntityProfileEmail":
		if id.Email == "" {
			return nil, "", nil
		}
		return find("spec.profile.email", id.Email)
	case "emailLocalPartMatchingUserEntityName":
		local, domain, ok := strings.Cut(id.Email, "@")
		if !ok || local == "" {
			return nil, "", nil
		}
		if len(r.AllowedDomains) > 0 && !slices.ContainsFunc(r.AllowedDomains, func(d string) bool { return strings.EqualFold(d, domain) }) {
			return nil, "", nil
		}
		return find("metadata.name", local)
	}
	return nil, "", callboard.Errorf(callboard.Internal, "unknown resolver %q", r.Resolver)
}

// principalOf is a signed-in user: their ref, and as ownership refs the
// user and the groups they are a member of (Backstage's default
// getDefaultOwnershipEntityRefs).
func principalOf(user *callboard.Entity, email string) callboard.Principal {
	ref := user.Ref().String()
	p := callboard.Principal{Subject: ref, Ownership: []string{ref}, Email: email}
	for _, rel := range user.Relations {
		if rel.Type == callboard.RelationMemberOf && !slices.Contains(p.Ownership, rel.TargetRef) {
			p.Ownership = append(p.Ownership, rel.TargetRef)
		}
	}
	if p.Email == "" {
		if prof, ok := user.Spec["profile"].(map[string]any); ok {
			p.Email, _ = prof["email"].(string)
		}
	}
	return p
}

// profileOf fills the parts of a profile the provider left out from the
// user's catalog entry.
func (s *Service) profileOf(ctx context.Context, id Identity, p callboard.Principal) Profile {
	prof := Profile{Email: id.Email, DisplayName: id.DisplayName, Picture: id.Picture}
	if prof.Email == "" {
		prof.Email = p.Email
	}
	ref, err := callboard.ParseRef(p.Subject, "user", "")
	if err != nil {
		return prof
	}
	users, err := s.opts.Catalog.Users(ctx, "metadata.name", ref.Name)
	if err != nil {
		return prof
	}
	for _, u := range users {
		if !strings.EqualFold(u.Ref().String(), ref.String()) {
			continue
		}
		if sp, ok := u.Spec["profile"].(map[string]any); ok {
			if v, _ := sp["displayName"].(string); v != "" && prof.DisplayName == "" {
				prof.DisplayName = v
			}
			if v, _ := sp["picture"].(string); v != "" && prof.Picture == "" {
				prof.Picture = v
			}
		}
	}
	return prof
}
