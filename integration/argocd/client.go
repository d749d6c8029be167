package argocd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"callboard"
)

// Application is the part of Argo CD's Application resource the plugin
// reads.
type Application struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Source *struct {
			RepoURL string `json:"repoURL"`
		} `json:"source"`
	} `json:"spec"`
	Status struct {
		Sync struct {
			Status   string `json:"status"`
			Revision string `json:"revision"`
		} `json:"sync"`
		Health struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"health"`
		History []struct {
			ID          int64        `json:"id"`
			Revision    string       `json:"revision"`
			DeployedAt  time.Time    `json:"deployedAt"`
			InitiatedBy *initiatedBy `json:"initiatedBy"`
		} `json:"history"`
		OperationState *struct {
			Operation struct {
				InitiatedBy initiatedBy `json:"initiatedBy"`
			} `json:"operation"`
			Phase      string `json:"phase"`
			Message    string `json:"message"`
			SyncResult *struct {
				Revision string `json:"revision"`
			} `json:"syncResult"`
			StartedAt  time.Time  `json:"startedAt"`
			FinishedAt *time.Time `json:"finishedAt"`
		} `json:"operationState"`
	} `json:"status"`
}

type initiatedBy struct {
	Username  string `json:"username"`
	Automated bool   `json:"automated"`
}

// client talks to one Argo CD instance. It is safe for concurrent use.
type client struct {
	name, base string
	http       *http.Client
	timeout    time.Duration
	cache      *cache

	// Either a fixed token, or a username and password exchanged for a
	// session token that is reused until Argo CD answers 401.
	token              string
	username, password string
	mu                 sync.Mutex // guards session
	session            string
}

// application fetches one application by name: NotFound when the instance
// has none, Upstream when it fails.
func (c *client) application(ctx context.Context, name string) (*Application, error) {
	var a Application
	if err := c.get(ctx, "/api/v1/applications/"+url.PathEscape(name), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// applications lists the applications matching a label selector.
func (c *client) applications(ctx context.Context, selector string) ([]Application, error) {
	var list struct {
		Items []Application `json:"items"`
	}
	if err := c.get(ctx, "/api/v1/applications?selector="+url.QueryEscape(selector), &list); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// get answers GET path from the cache, or from Argo CD into out.
func (c *client) get(ctx context.Context, path string, out any) error {
	body, err := c.cache.get(path, func() ([]byte, error) { return c.fetch(ctx, path) })
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "Argo CD %s sent a malformed answer", c.name)
	}
	return nil
}

// fetch does GET path with the credentials; with a session token that
// Argo CD no longer accepts it logs in once more and retries.
func (c *client) fetch(ctx context.Context, path string) ([]byte, error) {
	tok, err := c.bearer(ctx, "")
	if err != nil {
		return nil, err
	}
	status, body, hdr, err := c.do(ctx, http.MethodGet, path, tok, nil)
	if err == nil && status == http.StatusUnauthorized && c.token == "" {
		if tok, err = c.bearer(ctx, tok); err != nil {
			return nil, err
		}
		status, body, hdr, err = c.do(ctx, http.MethodGet, path, tok, nil)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case status == http.StatusOK:
		return body, nil
	case status == http.StatusNotFound:
		return nil, callboard.Errorf(callboard.NotFound, "Argo CD %s has no such application", c.name)
	case status == http.StatusUnauthorized && c.token != "":
		return nil, callboard.Errorf(callboard.Upstream, "Argo CD %s refused the token (401); check argocd's token in app-config", c.name)
	case status == http.StatusUnauthorized:
		return nil, callboard.Errorf(callboard.Upstream, "Argo CD %s refused the session (401)", c.name)
	case status == http.StatusForbidden:
		return nil, callboard.Errorf(callboard.Upstream, "Argo CD %s does not let the account read the application (403)", c.name)
	case status == http.StatusTooManyRequests:
		wait := ""
		if s := hdr.Get("Retry-After"); s != "" {
			wait = "; retry after " + s + "s"
		}
		return nil, callboard.Errorf(callboard.Upstream, "Argo CD %s is rate limiting (429)%s", c.name, wait)
	default:
		return nil, callboard.Errorf(callboard.Upstream, "Argo CD %s answered %d%s", c.name, status, c.reason(body, tok))
	}
}

// bearer returns the token to send. With a username and password it
// logs in when there is no session yet, or when the session is stale (the
// one that was refused); concurrent callers share one login.
func (c *client) bearer(ctx context.Context, stale string) (string, error) {
	if c.token != "" {
		return c.token, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session != "" && c.session != stale {
		return c.session, nil
	}
	c.session = ""
	req, _ := json.Marshal(map[string]string{"username": c.username, "password": c.password})
	status, body, _, err := c.do(ctx, http.MethodPost, "/api/v1/session", "", req)
	if err != nil {
		return "", err
	}
	switch status {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return "", callboard.Errorf(callboard.Upstream, "Argo CD %s refused the username and password (%d); check argocd's username and password in app-config", c.name, status)
	default:
		return "", callboard.Errorf(callboard.Upstream, "Argo CD %s answered %d to the login%s", c.name, status, c.reason(body, ""))
	}
	var s struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &s); err != nil || s.Token == "" {
		return "", callboard.Errorf(callboard.Upstream, "Argo CD %s sent a login answer without a token", c.name)
	}
	c.session = s.Token
	return c.session, nil
}

// maxBody bounds an answer; an application with a long history is a few
// hundred KiB.
const maxBody = 8 << 20

// do sends one request bounded by the client's timeout.
func (c *client) do(ctx context.Context, method, path, token string, body []byte) (int, []byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, callboard.Wrap(callboard.Upstream, err, "Argo CD %s: bad request", c.name)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The error names the URL, which holds no credentials (they are
		// in headers and the body).
		if ctx.Err() == context.DeadlineExceeded {
			return 0, nil, nil, callboard.Wrap(callboard.Upstream, err, "Argo CD %s did not answer within %s", c.name, c.timeout)
		}
		return 0, nil, nil, callboard.Wrap(callboard.Upstream, err, "Argo CD %s did not answer", c.name)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, callboard.Wrap(callboard.Upstream, err, "Argo CD %s: reading the answer failed", c.name)
	}
	return resp.StatusCode, data, resp.Header, nil
}

// reason is Argo CD's error message from an error body, shortened and
// with the client's credentials removed: an upstream that echoes a header
// must not put a token on a page.
func (c *client) reason(body []byte, token string) string {
	var e struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Message
	if msg == "" {
		msg = e.Error
	}
	for _, s := range []string{c.token, c.password, token} {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// cache keeps answers (and NotFound) for a short time, so a page with a
// card and a tab, or many readers of one page, ask Argo CD once.
type cache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cached
}

type cached struct {
	body    []byte
	err     error // only NotFound is kept
	expires time.Time
}

func newCache(ttl time.Duration) *cache { return &cache{ttl: ttl, m: map[string]cached{}} }

// get returns key's answer, calling fetch when there is none that is
// fresh. Failures other than NotFound are not kept: the next page asks
// again.
func (c *cache) get(key string, fetch func() ([]byte, error)) ([]byte, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.m[key]; ok && now.Before(e.expires) {
		c.mu.Unlock()
		return e.body, e.err
	}
	c.mu.Unlock()
	body, err := fetch()
	if c.ttl > 0 && (err == nil || callboard.ErrorKind(err) == callboard.NotFound) {
		c.mu.Lock()
		for k, e := range c.m { // drop stale entries now and then
			if len(c.m) > 1000 && now.After(e.expires) {
				delete(c.m, k)
			}
		}
		c.m[key] = cached{body: body, err: err, expires: now.Add(c.ttl)}
		c.mu.Unlock()
	}
	return body, err
}
