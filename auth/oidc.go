package auth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"callboard"
)

// openID is a generic OpenID Connect provider: authorization code flow
// with PKCE (S256) and a nonce, ID token verified with go-oidc against the
// provider's published keys.
type openID struct {
	s   *Service
	key string // config key, for messages
	cfg OIDCConfig

	mu       sync.Mutex // guards the fields below: discovery runs once it succeeds
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
	provider *oidc.Provider
}

func newOIDC(s *Service, env string, c OIDCConfig) (*openID, error) {
	key := "auth.providers.oidc." + env
	if c.MetadataURL == "" || c.ClientID == "" || c.ClientSecret == "" {
		return nil, callboard.Errorf(callboard.Invalid, "%s: metadataUrl, clientId and clientSecret are required", key)
	}
	if u, err := url.Parse(c.MetadataURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, callboard.Errorf(callboard.Invalid, "%s.metadataUrl: %q is not an http(s) URL", key, c.MetadataURL)
	}
	if err := checkResolvers(key, c.SignIn.Resolvers); err != nil {
		return nil, err
	}
	return &openID{s: s, key: key, cfg: c}, nil
}

// discover reads the metadata document (once it has worked), so that a
// provider that is down at startup does not stop callboard.
func (o *openID) discover(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.oauth != nil {
		return o.oauth, o.verifier, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.cfg.MetadataURL, nil)
	if err != nil {
		return nil, nil, callboard.Wrap(callboard.Internal, err, "%s.metadataUrl", o.key)
	}
	resp, err := o.s.client.Do(req)
	if err != nil {
		return nil, nil, callboard.Wrap(callboard.Upstream, err, "OIDC provider metadata %s", o.cfg.MetadataURL)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var pc oidc.ProviderConfig
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &pc) != nil || pc.IssuerURL == "" || pc.AuthURL == "" || pc.TokenURL == "" || pc.JWKSURL == "" {
		return nil, nil, callboard.Errorf(callboard.Upstream,
			"OIDC provider metadata %s (status %d) lacks issuer, authorization_endpoint, token_endpoint or jwks_uri", o.cfg.MetadataURL, resp.StatusCode)
	}
	// The key set outlives this request: it fetches keys with its own
	// context, through our client.
	keyCtx := oidc.ClientContext(context.Background(), o.s.client)
	p := pc.NewProvider(keyCtx)
	scopes := strings.Fields(o.cfg.Scope)
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	if !hasScope(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}
	for _, sc := range o.cfg.AdditionalScopes {
		if !hasScope(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	o.oauth = &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: o.s.callbackURL("oidc", o.cfg.CallbackURL), Scopes: scopes}
	o.verifier = p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID, Now: o.s.now})
	o.provider = p
	return o.oauth, o.verifier, nil
}

func (o *openID) authURL(ctx context.Context, st *flowState) (string, error) {
	oc, _, err := o.discover(ctx)
	if err != nil {
		return "", err
	}
	st.Verifier = oauth2.GenerateVerifier()
	st.OIDCNonce = newToken()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.OIDCNonce)}
	if o.cfg.Prompt != "" && o.cfg.Prompt != "auto" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", o.cfg.Prompt))
	}
	return oc.AuthCodeURL(st.Nonce, opts...), nil
}

func (o *openID) identity(ctx context.Context, r *http.Request, st *flowState) (Identity, error) {
	code := r.URL.Query().Get("code")
	if code == "" {
		return Identity{}, callboard.Errorf(callboard.Invalid, "the OIDC callback has no code")
	}
	oc, verifier, err := o.discover(ctx)
	if err != nil {
		return Identity{}, err
	}
	ctx = oidc.ClientContext(ctx, o.s.client)
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return Identity{}, oauthError("the OIDC provider", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, callboard.Errorf(callboard.Upstream, "the OIDC provider returned no id_token")
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, callboard.Wrap(callboard.Unauthenticated, err, "the OIDC ID token is not valid")
	}
	if idt.Nonce != st.OIDCNonce {
		return Identity{}, callboard.Errorf(callboard.Unauthenticated, "the OIDC ID token's nonce does not match this sign-in (a replayed token)")
	}
	var claims struct {
		Email             string `json:"email"`
		PreferredUsername string `json:"preferred_username"`
		Name              string `json:"name"`
		Picture           string `json:"picture"`
	}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, callboard.Wrap(callboard.Upstream, err, "the OIDC ID token's claims")
	}
	id := Identity{Provider: "oidc", UserID: idt.Subject, Username: claims.PreferredUsername,
		Email: claims.Email, DisplayName: claims.Name, Picture: claims.Picture}
	if id.Email == "" && o.provider.UserInfoEndpoint() != "" {
		// Some providers put profile claims only in userinfo.
		if ui, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			id.Email = ui.Email
		}
	}
	return id, nil
}

func (o *openID) resolvers() []ResolverConfig {
	if len(o.cfg.SignIn.Resolvers) > 0 {
		return o.cfg.SignIn.Resolvers
	}
	return []ResolverConfig{{Resolver: "emailMatchingUserEntityProfileEmail"}}
}

func (o *openID) sessionDuration() time.Duration { return time.Duration(o.cfg.SessionDuration) }
