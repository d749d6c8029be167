package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/smtp"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"callboard"
	"callboard/plugin"
)

// DigestConfig is quality.digest: how often and how the weekly digest
// goes to owning teams. Without email or slack it is only logged.
type DigestConfig struct {
	// Interval is the time between digests ("168h", a week).
	Interval string `yaml:"interval"`
	// Email sends each team's digest to its group's spec.profile.email.
	Email *EmailConfig `yaml:"email"`
	// Slack posts every team's digest to one incoming webhook.
	Slack *SlackConfig `yaml:"slack"`
}

// EmailConfig is an SMTP server; Password is a secret (use ${VAR}).
type EmailConfig struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	From     string `yaml:"from"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// SlackConfig is a Slack incoming webhook (a secret: use ${VAR}); its
// host must be one the portal's HTTP client may reach.
type SlackConfig struct {
	WebhookURL string `yaml:"webhookUrl"`
}

// TeamDigest is one owning team's problems: GET /api/quality/digest.
type TeamDigest struct {
	Team   string         `json:"team"`
	Email  string         `json:"email,omitempty"`
	Counts map[string]int `json:"counts"`
	Issues []Issue        `json:"issues"`
}

// Digests groups the report's issues by owner, teams sorted; issues of
// entities without an owner go to "".
func Digests(r *Report) []TeamDigest {
	by := map[string]*TeamDigest{}
	for _, p := range Problems {
		for _, is := range r.Issues[p] {
			d := by[is.Owner]
			if d == nil {
				d = &TeamDigest{Team: is.Owner, Counts: map[string]int{}}
				by[is.Owner] = d
			}
			d.Counts[p]++
			d.Issues = append(d.Issues, is)
		}
	}
	out := make([]TeamDigest, 0, len(by))
	for _, d := range by {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b TeamDigest) int { return strings.Compare(a.Team, b.Team) })
	return out
}

// Text is the digest as plain text, for e-mail and Slack.
func (d TeamDigest) Text(baseURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Catalog data quality for %s: %d problems.\n", orDash(d.Team), len(d.Issues))
	for _, is := range d.Issues {
		fmt.Fprintf(&b, "- [%s] %s: %s\n", Labels[is.Problem], is.Entity, is.Message)
	}
	if baseURL != "" {
		fmt.Fprintf(&b, "\nSee %s/quality/digest?team=%s\n", baseURL, url.QueryEscape(d.Team))
	}
	return b.String()
}

// Notifier sends one team's digest.
type Notifier interface {
	Notify(ctx context.Context, d TeamDigest) error
}

// logNotifier only logs the digests (the default).
type logNotifier struct{ env plugin.Env }

func (n logNotifier) Notify(ctx context.Context, d TeamDigest) error {
	n.env.Log.Info("data quality digest", "team", d.Team, "problems", len(d.Issues))
	return nil
}

// emailNotifier sends through SMTP (net/smtp: STARTTLS when the server
// offers it, PLAIN auth when a username is set).
type emailNotifier struct {
	cfg  EmailConfig
	send func(addr string, a smtp.Auth, from string, to []string, msg []byte) error
	base string
}

func (n emailNotifier) Notify(ctx context.Context, d TeamDigest) error {
	if d.Email == "" {
		return nil // a team without an address gets it on the page only
	}
	var auth smtp.Auth
	if n.cfg.Username != "" {
		auth = smtp.PlainAuth("", n.cfg.Username, n.cfg.Password, n.cfg.Host)
	}
	msg := "From: " + n.cfg.From + "\r\nTo: " + d.Email + "\r\nSubject: Catalog data quality for " + orDash(d.Team) +
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(d.Text(n.base), "\n", "\r\n")
	if err := n.send(n.cfg.Host+":"+strconv.Itoa(n.cfg.Port), auth, n.cfg.From, []string{d.Email}, []byte(msg)); err != nil {
		return callboard.Wrap(callboard.Upstream, err, "send the data quality digest of %s by e-mail", d.Team)
	}
	return nil
}

// slackNotifier posts to an incoming webhook with the plugin's client.
type slackNotifier struct {
	url    string
	client *http.Client
	base   string
}

func (n slackNotifier) Notify(ctx context.Context, d TeamDigest) error {
	body, _ := json.Marshal(map[string]string{"text": d.Text(n.base)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := n.client.Do(req)
	if err != nil {
		return callboard.Wrap(callboard.Upstream, err, "post the data quality digest of %s to Slack", d.Team)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return callboard.Errorf(callboard.Upstream, "post the data quality digest of %s to Slack: status %d", d.Team, res.StatusCode)
	}
	return nil
}

// multi sends through each notifier, every one even when one fails.
type multi []Notifier

func (m multi) Notify(ctx context.Context, d TeamDigest) error {
	var errs []error
	for _, n := range m {
		if err := n.Notify(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func newNotifier(cfg DigestConfig, env plugin.Env) (Notifier, error) {
	ns := multi{logNotifier{env}}
	if e := cfg.Email; e != nil {
		if e.Host == "" || e.From == "" {
			return nil, callboard.Errorf(callboard.Invalid, "quality.digest.email needs host and from")
		}
		if e.Port == 0 {
			e.Port = 587
		}
		ns = append(ns, emailNotifier{cfg: *e, send: smtp.SendMail, base: env.BaseURL})
	}
	if s := cfg.Slack; s != nil {
		u, err := url.Parse(s.WebhookURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, callboard.Errorf(callboard.Invalid, "quality.digest.slack.webhookUrl must be an https URL")
		}
		client := env.HTTPClient
		if client == nil {
			client = plugin.NewHTTPClient()
		}
		ns = append(ns, slackNotifier{url: s.WebhookURL, client: client, base: env.BaseURL})
	}
	return ns, nil
}

// sendDigests sends each owning team its digest; teams without problems
// get none.
func (q *Quality) sendDigests(ctx context.Context) error {
	r, err := q.analyze(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range q.digests(ctx, r) {
		if d.Team == "" {
			continue
		}
		if err := q.notifier.Notify(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of the digests failed; first: %w", len(errs), errs[0])
	}
	return nil
}

// digests are the report's digests with each team's e-mail address.
func (q *Quality) digests(ctx context.Context, r *Report) []TeamDigest {
	ds := Digests(r)
	for i := range ds {
		if q.env.Catalog == nil || ds[i].Team == "" {
			continue
		}
		ref, err := callboard.ParseRef(ds[i].Team, "group", "default")
		if err != nil {
			continue
		}
		if g, err := q.env.Catalog.Entity(ctx, ref); err == nil {
			if p, ok := g.Spec["profile"].(map[string]any); ok {
				ds[i].Email, _ = p["email"].(string)
			}
		}
	}
	return ds
}
