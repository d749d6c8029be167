package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"callboard"
)

// gitHub is GitHub's OAuth app flow (github.com or GitHub Enterprise
// Server): /login/oauth/authorize, /login/oauth/access_token, then the
// REST API's /user and /user/emails.
type gitHub struct {
	s     *Service
	oauth oauth2.Config
	api   string // REST API base, no trailing slash
	cfg   GitHubConfig
}

func newGitHub(s *Service, env string, c GitHubConfig) (*gitHub, error) {
	key := "auth.providers.github." + env
	if c.ClientID == "" || c.ClientSecret == "" {
		return nil, callboard.Errorf(callboard.Invalid, "%s: clientId and clientSecret are required", key)
	}
	if err := checkResolvers(key, c.SignIn.Resolvers); err != nil {
		return nil, err
	}
	web, api := "https://github.com", "https://api.github.com"
	if c.EnterpriseInstanceURL != "" {
		u, err := url.Parse(c.EnterpriseInstanceURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, callboard.Errorf(callboard.Invalid, "%s.enterpriseInstanceUrl: %q is not an http(s) URL", key, c.EnterpriseInstanceURL)
		}
		web = strings.TrimSuffix(c.EnterpriseInstanceURL, "/")
		api = web + "/api/v3"
	}
	scopes := []string{"read:user", "user:email"}
	for _, sc := range c.AdditionalScopes {
		if !hasScope(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	return &gitHub{s: s, cfg: c, api: api, oauth: oauth2.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL: web + "/login/oauth/authorize", TokenURL: web + "/login/oauth/access_token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: s.callbackURL("github", c.CallbackURL),
		Scopes:      scopes,
	}}, nil
}

func (g *gitHub) authURL(_ context.Context, st *flowState) (string, error) {
	st.Verifier = oauth2.GenerateVerifier()
	return g.oauth.AuthCodeURL(st.Nonce, oauth2.S256ChallengeOption(st.Verifier)), nil
}

func (g *gitHub) identity(ctx context.Context, r *http.Request, st *flowState) (Identity, error) {
	code := r.URL.Query().Get("code")
	if code == "" {
		return Identity{}, callboard.Errorf(callboard.Invalid, "the GitHub callback has no code")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, g.s.client)
	tok, err := g.oauth.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return Identity{}, oauthError("GitHub", err)
	}
	var user struct {
		Login     string `json:"login"`
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Email     string `json:"email"`
		AvatarURL string `json:"avatar_url"`
	}
	if err := g.get(ctx, tok.AccessToken, "/user", &user); err != nil {
		return Identity{}, err
	}
	if user.Login == "" {
		return Identity{}, callboard.Errorf(callboard.Upstream, "GitHub's /user answered without a login")
	}
	id := Identity{Provider: "github", Username: user.Login, UserID: strconv.FormatInt(user.ID, 10),
		Email: user.Email, DisplayName: user.Name, Picture: user.AvatarURL}
	if id.Email == "" {
		// The public email is often unset; the primary verified address
		// is in /user/emails (scope user:email).
		var emails []struct {
			Email    string `json:"email"`
			Primary  bool   `json:"primary"`
			Verified bool   `json:"verified"`
		}
		if err := g.get(ctx, tok.AccessToken, "/user/emails", &emails); err == nil {
			for _, e := range emails {
				if e.Primary && e.Verified {
					id.Email = e.Email
				}
			}
		}
	}
	return id, nil
}

// get calls GitHub's REST API with the user's token.
func (g *gitHub) get(ctx context.Context, token, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.api+path, nil)
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "GitHub request")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	resp, err := g.s.client.Do(req)
	if err != nil {
		return callboard.Wrap(callboard.Upstream, err, "GitHub %s", path)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return callboard.Errorf(callboard.Upstream, "GitHub %s answered %d: %.200s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "GitHub %s: malformed JSON", path)
	}
	return nil
}

func (g *gitHub) resolvers() []ResolverConfig {
	if len(g.cfg.SignIn.Resolvers) > 0 {
		return g.cfg.SignIn.Resolvers
	}
	return []ResolverConfig{{Resolver: "usernameMatchingUserEntityName"}}
}

func (g *gitHub) sessionDuration() time.Duration { return time.Duration(g.cfg.SessionDuration) }

// oauthError classifies a failed code exchange: the provider refusing the
// code (a replayed or forged callback) is Unauthenticated, anything else
// Upstream. The client secret never appears in the message.
func oauthError(provider string, err error) error {
	if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) {
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		if msg == "" {
			msg = fmt.Sprintf("status %d", re.Response.StatusCode)
		}
		return callboard.Errorf(callboard.Unauthenticated, "%s refused the sign-in code: %s", provider, msg)
	}
	return callboard.Wrap(callboard.Upstream, err, "%s token exchange failed", provider)
}
