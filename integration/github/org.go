package github

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	gogithub "github.com/google/go-github/v75/github"

	"callboard"
)

// OrgConfig is an entry of Backstage's catalog.providers.githubOrg.
type OrgConfig struct {
	ID        string
	GithubURL string // https://github.com or the Enterprise URL
	Orgs      []string
	Schedule  Schedule
}

// OrgProvider emits a Group per team (with its parent and children) and a
// User per member (name, email, avatar, memberOf), as Backstage's
// GithubMultiOrgEntityProvider does.
type OrgProvider struct {
	cfg  OrgConfig
	c    *Client
	sink callboard.ProviderSink
	log  *slog.Logger
	run  sync.Mutex
}

// NewOrgProvider returns the provider for cfg, feeding sink.
func (c *Client) NewOrgProvider(cfg OrgConfig, sink callboard.ProviderSink, log *slog.Logger) (*OrgProvider, error) {
	if cfg.ID == "" || len(cfg.Orgs) == 0 {
		return nil, callboard.Errorf(callboard.Invalid, "catalog.providers.githubOrg: id and orgs are required")
	}
	if cfg.Schedule.Frequency <= 0 {
		cfg.Schedule.Frequency = time.Hour
	}
	if cfg.Schedule.Timeout <= 0 {
		cfg.Schedule.Timeout = cfg.Schedule.Frequency
	}
	if cfg.Schedule.Leases != nil && cfg.Schedule.Holder == "" {
		return nil, callboard.Errorf(callboard.Invalid, "catalog.providers.githubOrg %s: a schedule with leases needs a holder", cfg.ID)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &OrgProvider{cfg: cfg, c: c, sink: sink, log: log}, nil
}

// Name is the provider's bucket name.
func (p *OrgProvider) Name() string { return "github-org-provider:" + p.cfg.ID }

// Orgs are the organizations it reads.
func (p *OrgProvider) Orgs() []string { return p.cfg.Orgs }

// Run refreshes on the schedule until ctx ends.
func (p *OrgProvider) Run(ctx context.Context) error {
	return runSchedule(ctx, p.cfg.Schedule, p.log, p.Name(), p.Refresh)
}

// Refresh reads every org and replaces the provider's entities in one
// mutation; if any org fails nothing changes.
func (p *OrgProvider) Refresh(ctx context.Context) error {
	p.run.Lock()
	defer p.run.Unlock()
	users := map[string]*callboard.Entity{}
	var groups []*callboard.Entity
	for _, org := range p.cfg.Orgs {
		gs, err := p.readOrg(ctx, org, users)
		if err != nil {
			return err
		}
		groups = append(groups, gs...)
	}
	ents := groups
	logins := make([]string, 0, len(users))
	for l := range users {
		logins = append(logins, l)
	}
	sort.Strings(logins)
	for _, l := range logins {
		ents = append(ents, users[l])
	}
	return p.sink.ApplyProvider(ctx, p.Name(), callboard.ProviderMutation{Entities: ents})
}

func (p *OrgProvider) readOrg(ctx context.Context, org string, users map[string]*callboard.Entity) ([]*callboard.Entity, error) {
	gctx := Context(ctx)
	var teams []*gogithub.Team
	opt := &gogithub.ListOptions{PerPage: 100}
	for {
		page, resp, err := p.c.gh.Teams.ListTeams(gctx, org, opt)
		if err != nil {
			return nil, wrap(err, "teams of %s", org)
		}
		teams = append(teams, page...)
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	var members []*gogithub.User
	mopt := &gogithub.ListMembersOptions{ListOptions: gogithub.ListOptions{PerPage: 100}}
	for {
		page, resp, err := p.c.gh.Organizations.ListMembers(gctx, org, mopt)
		if err != nil {
			return nil, wrap(err, "members of %s", org)
		}
		members = append(members, page...)
		if resp.NextPage == 0 {
			break
		}
		mopt.Page = resp.NextPage
	}
	for _, m := range members {
		if users[m.GetLogin()] != nil {
			continue
		}
		// List answers carry no name or email: read each user (cheap
		// on later runs, the answers are 304s).
		u, _, err := p.c.gh.Users.Get(gctx, m.GetLogin())
		if err != nil {
			return nil, wrap(err, "user %s", m.GetLogin())
		}
		users[m.GetLogin()] = p.userEntity(u)
	}
	children := map[string][]any{}
	for _, t := range teams {
		if t.Parent != nil {
			children[t.Parent.GetSlug()] = append(children[t.Parent.GetSlug()], t.GetSlug())
		}
	}
	var groups []*callboard.Entity
	for _, t := range teams {
		var logins []*gogithub.User
		topt := &gogithub.TeamListTeamMembersOptions{ListOptions: gogithub.ListOptions{PerPage: 100}}
		for {
			page, resp, err := p.c.gh.Teams.ListTeamMembersBySlug(gctx, org, t.GetSlug(), topt)
			if err != nil {
				return nil, wrap(err, "members of team %s/%s", org, t.GetSlug())
			}
			logins = append(logins, page...)
			if resp.NextPage == 0 {
				break
			}
			topt.Page = resp.NextPage
		}
		for _, m := range logins {
			u := users[m.GetLogin()]
			if u == nil {
				continue // a team member who left the org
			}
			u.Spec["memberOf"] = append(u.Spec["memberOf"].([]any), "group:default/"+t.GetSlug())
		}
		g := &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group",
			Metadata: callboard.Metadata{Name: t.GetSlug(), Description: t.GetDescription(), Annotations: map[string]string{
				"github.com/team-slug":                      org + "/" + t.GetSlug(),
				callboard.AnnotationManagedByLocation:       "url:" + t.GetHTMLURL(),
				callboard.AnnotationManagedByOriginLocation: "url:" + t.GetHTMLURL(),
			}},
			Spec: map[string]any{"type": "team", "profile": map[string]any{"displayName": t.GetName()},
				"children": orEmpty(children[t.GetSlug()])}}
		if t.Parent != nil {
			g.Spec["parent"] = t.Parent.GetSlug()
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func (p *OrgProvider) userEntity(u *gogithub.User) *callboard.Entity {
	profile := map[string]any{}
	if u.GetName() != "" {
		profile["displayName"] = u.GetName()
	}
	if u.GetEmail() != "" {
		profile["email"] = u.GetEmail()
	}
	if u.GetAvatarURL() != "" {
		profile["picture"] = u.GetAvatarURL()
	}
	loc := "url:" + p.c.cfg.webBase() + "/" + u.GetLogin()
	return &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "User",
		Metadata: callboard.Metadata{Name: strings.ToLower(u.GetLogin()), Annotations: map[string]string{
			"github.com/user-login":                     u.GetLogin(),
			callboard.AnnotationManagedByLocation:       loc,
			callboard.AnnotationManagedByOriginLocation: loc,
		}},
		Spec: map[string]any{"profile": profile, "memberOf": []any{}}}
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}
