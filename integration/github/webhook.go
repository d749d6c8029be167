package github

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"callboard"
)

// Webhooks handles GitHub's webhook deliveries for the providers: push
// and repository events refresh one repository of the discovery
// providers watching its organization; organization, team and membership
// events refresh the org providers.
type Webhooks struct {
	secrets     []string
	discoveries []*Discovery
	orgs        []*OrgProvider
	log         *slog.Logger
}

// NewWebhooks returns the handler; deliveries must be signed with one of
// secrets.
func NewWebhooks(secrets []string, discoveries []*Discovery, orgs []*OrgProvider, log *slog.Logger) *Webhooks {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Webhooks{secrets: secrets, discoveries: discoveries, orgs: orgs, log: log}
}

// Verify checks X-Hub-Signature-256 against the configured secrets.
func (w *Webhooks) Verify(header http.Header, body []byte) error {
	if len(w.secrets) == 0 {
		return callboard.Errorf(callboard.Forbidden, "no GitHub webhook secret is configured; deliveries are refused")
	}
	sig, ok := strings.CutPrefix(header.Get("X-Hub-Signature-256"), "sha256=")
	got, err := hex.DecodeString(sig)
	if !ok || err != nil {
		return callboard.Errorf(callboard.Unauthenticated, "missing or malformed X-Hub-Signature-256")
	}
	for _, s := range w.secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write(body)
		if hmac.Equal(got, m.Sum(nil)) {
			return nil
		}
	}
	return callboard.Errorf(callboard.Unauthenticated, "X-Hub-Signature-256 does not match the payload")
}

// payload is the part of GitHub's event bodies the providers read.
type payload struct {
	Ref        string `json:"ref"`
	Action     string `json:"action"`
	Repository struct {
		Name          string `json:"name"`
		DefaultBranch string `json:"default_branch"`
		Owner         struct {
			Login string `json:"login"`
		} `json:"owner"`
	} `json:"repository"`
	Organization struct {
		Login string `json:"login"`
	} `json:"organization"`
	Changes struct {
		Repository struct {
			Name struct {
				From string `json:"from"`
			} `json:"name"`
		} `json:"repository"`
	} `json:"changes"`
}

// Event handles one delivery to /api/events/http/{topic}. Only topic
// "github" is served; the signature is checked before anything else.
// Accept checks what can be checked before the body is read: the topic, a
// configured secret and a well-formed signature header. Unsigned or
// misdirected deliveries are refused without reading up to 25 MiB.
func (w *Webhooks) Accept(topic string, header http.Header) error {
	if topic != "github" {
		return callboard.Errorf(callboard.NotFound, "no event topic %q", topic)
	}
	if len(w.secrets) == 0 {
		return callboard.Errorf(callboard.Forbidden, "no GitHub webhook secret is configured; deliveries are refused")
	}
	sig, ok := strings.CutPrefix(header.Get("X-Hub-Signature-256"), "sha256=")
	if _, err := hex.DecodeString(sig); !ok || err != nil || len(sig) != 2*sha256.Size {
		return callboard.Errorf(callboard.Unauthenticated, "missing or malformed X-Hub-Signature-256")
	}
	return nil
}

func (w *Webhooks) Event(ctx context.Context, topic string, header http.Header, body []byte) error {
	if topic != "github" {
		return callboard.Errorf(callboard.NotFound, "no event topic %q", topic)
	}
	if err := w.Verify(header, body); err != nil {
		return err
	}
	event := header.Get("X-GitHub-Event")
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return callboard.Errorf(callboard.Invalid, "webhook body is not JSON: %v", err)
	}
	owner := p.Repository.Owner.Login
	if owner == "" {
		owner = p.Organization.Login
	}
	switch event {
	case "push":
		for _, d := range w.discoveries {
			if !strings.EqualFold(d.Organization(), owner) {
				continue
			}
			branch := d.cfg.Filters.Branch
			if branch == "" {
				branch = p.Repository.DefaultBranch
			}
			if p.Ref != "refs/heads/"+branch {
				continue // a push to a branch the provider does not read
			}
			if err := d.RefreshRepo(ctx, p.Repository.Name); err != nil {
				return err
			}
		}
	case "repository":
		for _, d := range w.discoveries {
			if !strings.EqualFold(d.Organization(), owner) {
				continue
			}
			if from := p.Changes.Repository.Name.From; from != "" {
				if err := d.RefreshRepo(ctx, from); err != nil {
					return err
				}
			}
			if err := d.RefreshRepo(ctx, p.Repository.Name); err != nil {
				return err
			}
		}
	case "organization", "team", "membership":
		for _, o := range w.orgs {
			for _, org := range o.Orgs() {
				if strings.EqualFold(org, owner) {
					go func() {
						if err := o.Refresh(context.WithoutCancel(ctx)); err != nil {
							w.log.Error("github org refresh after webhook failed", "provider", o.Name(), "err", err)
						}
					}()
				}
			}
		}
	}
	w.log.Info("github webhook", "event", event, "action", p.Action, "repo", owner+"/"+p.Repository.Name,
		"delivery", header.Get("X-GitHub-Delivery"))
	return nil
}
