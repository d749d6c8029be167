package github

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	gogithub "github.com/google/go-github/v75/github"

	"callboard"
)

// Client talks to one GitHub host (github.com or an Enterprise server).
type Client struct {
	cfg   Config
	opts  Options
	gh    *gogithub.Client
	http  *http.Client
	apps  []*appAuth
	stats Stats
}

// New returns a client for cfg. It checks the config (Invalid errors name
// the key) and parses App private keys, but makes no request.
func New(cfg Config, opts Options) (*Client, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if opts.RequestsPerSecond <= 0 {
		opts.RequestsPerSecond = 20
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 2 * time.Minute
	}
	if opts.CacheEntries <= 0 {
		opts.CacheEntries = 20000
	}
	c := &Client{cfg: cfg, opts: opts}
	base := http.DefaultTransport
	for i, a := range cfg.Apps {
		aa, err := newAppAuth(a, cfg.apiBase(), &http.Client{Transport: base, Timeout: 30 * time.Second})
		if err != nil {
			return nil, callboard.Wrap(callboard.Invalid, err, "integrations.github[host=%s].apps[%d].privateKey", cfg.Host, i)
		}
		c.apps = append(c.apps, aa)
	}
	t := &transport{base: base, token: c.token, budget: newBucket(opts.RequestsPerSecond),
		cache: &etagCache{max: opts.CacheEntries, entries: map[string]*cacheEntry{}}, stats: &c.stats,
		maxWait: opts.MaxWait, remaining: -1}
	c.http = &http.Client{Transport: t, Timeout: 60 * time.Second}
	c.gh = gogithub.NewClient(c.http)
	u, err := url.Parse(cfg.apiBase())
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "integrations.github apiBaseUrl")
	}
	c.gh.BaseURL = u
	return c, nil
}

// Host is the host the client serves (github.com, or an Enterprise host).
func (c *Client) Host() string { return c.cfg.Host }

// Stats returns the client's request counters.
func (c *Client) Stats() *Stats { return &c.stats }

// REST returns the go-github client, authenticated and rate-limited; pass
// it Context(ctx).
func (c *Client) REST() *gogithub.Client { return c.gh }

// WebhookSecrets returns the webhook secrets of the configured Apps.
func (c *Client) WebhookSecrets() []string {
	var out []string
	for _, a := range c.cfg.Apps {
		if a.WebhookSecret != "" {
			out = append(out, a.WebhookSecret)
		}
	}
	return out
}

// token returns the credential for requests about owner: an installation
// token of an App installed on owner, else the configured token.
func (c *Client) token(ctx context.Context, owner string) (string, error) {
	if owner != "" {
		for _, a := range c.apps {
			tok, err := a.token(ctx, owner)
			if err == nil && tok != "" {
				return tok, nil
			}
			if err != nil && !errors.Is(err, errNoInstallation) {
				return "", err
			}
		}
	}
	if c.cfg.Token != "" {
		return c.cfg.Token, nil
	}
	if len(c.apps) > 0 && owner == "" {
		// Requests naming no owner (/installation/repositories) use the
		// first installation.
		return c.apps[0].token(ctx, "")
	}
	return "", nil
}

// Token returns the token used for owner, for git over HTTPS.
func (c *Client) Token(ctx context.Context, owner string) (string, error) { return c.token(ctx, owner) }

// kindOf classifies a go-github error.
func kindOf(err error) callboard.Kind {
	var er *gogithub.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusNotFound:
			return callboard.NotFound
		case http.StatusUnauthorized:
			return callboard.Unauthenticated
		case http.StatusForbidden:
			return callboard.Forbidden
		case http.StatusUnprocessableEntity, http.StatusConflict:
			return callboard.Conflict
		}
	}
	if k := callboard.ErrorKind(err); k != callboard.Internal {
		return k
	}
	return callboard.Upstream
}

// wrap classifies a go-github error with a message.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return callboard.Wrap(kindOf(err), err, format, args...)
}

// Context returns ctx for go-github calls: the transport waits for rate
// limits itself, so go-github's own pre-emptive refusal is turned off.
func Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, gogithub.BypassRateLimitCheck, true)
}
