package github

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// errNoInstallation: the App is not installed on (or not allowed for) an
// owner.
var errNoInstallation = errors.New("no installation")

// appAuth mints installation tokens for one GitHub App: an RS256 JWT
// signed with the App's key buys a one-hour token per installation, kept
// until five minutes before it expires.
type appAuth struct {
	cfg     AppConfig
	key     *rsa.PrivateKey
	api     string
	http    *http.Client
	mu      sync.Mutex
	byOwner map[string]int64 // owner (lower case) -> installation id; nil until listed
	tokens  map[int64]instToken
}

type instToken struct {
	token   string
	expires time.Time
}

func newAppAuth(cfg AppConfig, api string, hc *http.Client) (*appAuth, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(cfg.PrivateKey))
	if err != nil {
		return nil, err
	}
	return &appAuth{cfg: cfg, key: key, api: api, http: hc, tokens: map[int64]instToken{}}, nil
}

// jwt returns a token that identifies the App for ten minutes (with a
// minute of clock skew allowed, as GitHub recommends).
func (a *appAuth) jwt() (string, error) {
	now := time.Now()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
		"iss": strconv.FormatInt(a.cfg.AppID, 10)})
	return t.SignedString(a.key)
}

func (a *appAuth) allowed(owner string) bool {
	if len(a.cfg.AllowedInstallationOwners) == 0 {
		return true
	}
	for _, o := range a.cfg.AllowedInstallationOwners {
		if strings.EqualFold(o, owner) {
			return true
		}
	}
	return false
}

// token returns an installation token for owner ("" = the first allowed
// installation).
func (a *appAuth) token(ctx context.Context, owner string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byOwner == nil {
		if err := a.listInstallations(ctx); err != nil {
			return "", err
		}
	}
	id, ok := a.byOwner[strings.ToLower(owner)]
	if owner == "" {
		for o, i := range a.byOwner {
			if a.allowed(o) {
				id, ok = i, true
				break
			}
		}
	}
	if !ok || (owner != "" && !a.allowed(owner)) {
		return "", errNoInstallation
	}
	if t, ok := a.tokens[id]; ok && time.Until(t.expires) > 5*time.Minute {
		return t.token, nil
	}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := a.call(ctx, http.MethodPost, fmt.Sprintf("app/installations/%d/access_tokens", id), &out); err != nil {
		return "", err
	}
	a.tokens[id] = instToken{out.Token, out.ExpiresAt}
	return out.Token, nil
}

func (a *appAuth) listInstallations(ctx context.Context) error {
	var list []struct {
		ID      int64 `json:"id"`
		Account struct {
			Login string `json:"login"`
		} `json:"account"`
	}
	if err := a.call(ctx, http.MethodGet, "app/installations?per_page=100", &list); err != nil {
		return err
	}
	a.byOwner = map[string]int64{}
	for _, in := range list {
		a.byOwner[strings.ToLower(in.Account.Login)] = in.ID
	}
	return nil
}

func (a *appAuth) call(ctx context.Context, method, path string, out any) error {
	tok, err := a.jwt()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.api+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("GitHub App %d: %w", a.cfg.AppID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e struct{ Message string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("GitHub App %d: %s %s: %s: %s", a.cfg.AppID, method, path, resp.Status, e.Message)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
