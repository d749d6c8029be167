package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"callboard"
	"callboard/index"
	"callboard/plugin"
)

// relCap bounds how many targets of one relation type a page fetches and
// shows; the rest is counted and, where the catalog can filter by it,
// linked.
const relCap = 50

// relationLabels names relation types as the entity page shows them, in
// the order the relation groups appear.
var relationLabels = []struct{ Type, Label string }{
	{callboard.RelationOwnedBy, "Owner"},
	{callboard.RelationPartOf, "Part of"},
	{callboard.RelationChildOf, "Parent group"},
	{callboard.RelationMemberOf, "Member of"},
	{callboard.RelationProvidesAPI, "Provides APIs"},
	{callboard.RelationConsumesAPI, "Consumes APIs"},
	{callboard.RelationAPIProvidedBy, "Provided by"},
	{callboard.RelationAPIConsumedBy, "Consumed by"},
	{callboard.RelationDependsOn, "Depends on"},
	{callboard.RelationDependencyOf, "Depended on by"},
	{callboard.RelationHasPart, "Has parts"},
	{callboard.RelationParentOf, "Child groups"},
	{callboard.RelationHasMember, "Members"},
	{callboard.RelationOwnerOf, "Owns"},
}

// relGroup is the targets of one relation type.
type relGroup struct {
	Type, Label string
	Rows        []entityRow
	More        int // targets not shown
}

type kv struct{ Key, Value string }

type statusView struct{ Level, Name, Message string }

// linkView is an address an entity provides. Href is empty when the page
// shows it as text (callboard.LinkURL refuses it): html/template would
// otherwise turn a javascript: href into a dead "#ZgotmplZ" link.
type linkView struct{ URL, Title, Icon, Href string }

func linkOf(addr, title, icon string) linkView {
	v := linkView{URL: addr, Title: title, Icon: icon}
	if ok, _ := callboard.LinkURL(addr); ok {
		v.Href = addr
	}
	return v
}

type tabView struct {
	ID, Title, URL string
	Active         bool
}

// entityView is what the entity page template receives.
type entityView struct {
	E                                    *callboard.Entity
	Ref, URL                             string
	Name, Title, Kind, Namespace         string
	Type, Lifecycle, Description         string
	Owner, System, Domain                refLink
	Tags                                 []string
	Links                                []linkView
	View, Edit                           linkView // the view-url and edit-url annotations
	SourceURL                            string
	Errors, Warnings                     []statusView
	Orphan                               bool
	Labels, Annotations                  []kv
	Tabs                                 []tabView
	Tab                                  string
	Groups                               []relGroup
	rels                                 map[string]*relGroup
	neighbours                           map[string]*callboard.Entity // read once by loadRelations; nil where missing
	Graph                                template.HTML
	Depth                                int
	Depth1URL, Depth2URL                 string
	APIs                                 []relGroup // APIs tab: provided and consumed, or for an API its providers/consumers
	Definition                           template.HTML
	DefinitionText, DefinitionType       string
	DefinitionSummary                    string
	DefinitionRawURL                     string // the definition as text; ?download=1 as a file
	Profile                              profileView
	OwnedKinds                           []ownedKind
	Owned                                []entityRow
	OwnedTotal                           int
	OwnedURL                             string
	Cards                                []pluginBlock
	Plugin                               *pluginBlock
	Writable                             bool
	UnregisterURL, DeleteURL, RefreshURL string
	LaunchURL                            string // a Template's form
	// What the policy lets the caller do to this entity: the buttons
	// shown are the ones that would succeed.
	CanRefresh, CanDelete, CanUnregister bool
	// The star button: shown to a viewer (ui_stars.go).
	CanStar, Starred bool
	StarURL          string
}

type profileView struct{ DisplayName, Email, Picture string }

type ownedKind struct {
	Kind  string
	Count int
	URL   string
}

// Built-in tab IDs, as Backstage names its entity tabs (/api,
// /dependencies, /definition); plugin tabs may not reuse them. The
// plugins' tabs use Backstage's names too: /docs, /kubernetes, /ci-cd.
const (
	tabOverview     = ""
	tabRelations    = "relations"
	tabAPIs         = "api"
	tabDependencies = "dependencies"
	tabDefinition   = "definition"
)

// tabAliases are other names of tabs, redirected to theirs: our earlier
// /apis.
var tabAliases = map[string]string{"apis": tabAPIs}

func (s *Server) handleEntityPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	e, err := s.catalog.Entity(ctx, ref)
	if err != nil {
		return err
	}
	v := s.entityView(e)
	v.Writable = s.authorized(r)
	v.CanRefresh = v.Writable && s.allowed(r, callboard.PermEntityRefresh, e)
	v.CanDelete = v.Writable && s.allowed(r, callboard.PermEntityDelete, e)
	// Unregistering deletes a location, which the policy decides with
	// no entity (as DELETE /locations/{id} does). Entities from
	// catalog.locations in app-config or from providers have no
	// registered location: there is nothing to unregister.
	if v.Writable && s.allowed(r, callboard.PermLocationDelete, nil) {
		_, err := s.catalog.LocationByEntity(ctx, ref)
		v.CanUnregister = err == nil
	}
	if e.Kind == "Template" {
		v.LaunchURL = "/create/templates/" + url.PathEscape(ref.Namespace) + "/" + url.PathEscape(e.Metadata.Name)
	}
	if user, _ := s.viewer(r); user != "" && s.opts.Stars != nil && v.Writable {
		v.CanStar = true
		if v.Starred, err = s.isStarred(ctx, user, v.Ref); err != nil {
			return err
		}
	}
	v.Tab = r.PathValue("tab")
	if canon, ok := tabAliases[v.Tab]; ok {
		// Backstage's name of one of our tabs: its bookmarks keep working.
		http.Redirect(w, r, v.URL+"/"+canon, http.StatusMovedPermanently)
		return nil
	}
	v.Tabs = s.entityTabs(e, v.URL, v.Tab)
	if !slices.ContainsFunc(v.Tabs, func(t tabView) bool { return t.Active }) {
		return callboard.Errorf(callboard.NotFound, "%s has no tab %q", v.Name, v.Tab)
	}
	if err := s.loadRelations(ctx, e, &v); err != nil {
		return err
	}
	switch v.Tab {
	case tabOverview:
		if err := s.loadOverview(ctx, e, &v); err != nil {
			return err
		}
	case tabRelations:
		v.Depth = 1
		if r.URL.Query().Get("depth") == "2" {
			v.Depth = 2
		}
		v.Depth1URL, v.Depth2URL = v.URL+"/relations", v.URL+"/relations?depth=2"
		if v.Graph, err = s.relationGraph(ctx, e, v.neighbours, v.Depth, 60, 0); err != nil {
			return err
		}
	case tabAPIs:
		for _, t := range []string{callboard.RelationProvidesAPI, callboard.RelationConsumesAPI} {
			v.APIs = append(v.APIs, v.Rel(t))
		}
	case tabDependencies:
		for _, t := range []string{callboard.RelationDependsOn, callboard.RelationDependencyOf} {
			v.APIs = append(v.APIs, v.Rel(t))
		}
	case tabDefinition:
		s.loadDefinition(e, &v)
		for _, t := range []string{callboard.RelationAPIProvidedBy, callboard.RelationAPIConsumedBy} {
			v.APIs = append(v.APIs, v.Rel(t))
		}
	default:
		v.Plugin = s.renderTab(plugin.WithQuery(ctx, r.URL.Query()), e, v.Tab)
	}
	title := v.Title
	if dn := displayName(e); dn != "" {
		title = dn
	}
	if title == "" {
		title = v.Name
	}
	return s.render(w, r, http.StatusOK, "entity", "", &page{
		Title: title, Subtitle: v.Kind + " " + v.Ref, Nav: "catalog", Data: &v,
	})
}

// entityView fills the fields read from the entity alone.
func (s *Server) entityView(e *callboard.Entity) entityView {
	ref := e.Ref()
	v := entityView{
		E: e, Ref: ref.String(), URL: refURL(ref), Name: e.Metadata.Name, Title: e.Metadata.Title,
		Kind: e.Kind, Namespace: ref.Namespace, Type: e.SpecString("type"), Lifecycle: e.SpecString("lifecycle"),
		Description: e.Metadata.Description, Tags: e.Metadata.Tags,
		View:      linkOf(e.Annotation(callboard.AnnotationViewURL), "View descriptor", ""),
		Edit:      linkOf(e.Annotation(callboard.AnnotationEditURL), "Edit descriptor", ""),
		Orphan:    e.Annotation(callboard.AnnotationOrphan) == "true",
		Writable:  s.opts.Dev,
		rels:      map[string]*relGroup{},
		SourceURL: sourceURL(e.Annotation(callboard.AnnotationSourceLocation)),
	}
	if dn := displayName(e); dn != "" && v.Title == "" {
		v.Title = dn // a person by name, the login beside it
	}
	if v.Title == v.Name {
		v.Title = ""
	}
	v.UnregisterURL, v.DeleteURL, v.RefreshURL = v.URL+"/unregister", v.URL+"/delete", v.URL+"/refresh"
	v.StarURL = v.URL + "/star"
	for _, l := range e.Metadata.Links {
		v.Links = append(v.Links, linkOf(l.URL, l.Title, l.Icon))
	}
	if e.Status != nil {
		for _, it := range e.Status.Items {
			sv := statusView{Level: it.Level, Message: it.Message}
			if it.Error != nil {
				sv.Name = it.Error.Name
				if sv.Message == "" {
					sv.Message = it.Error.Message
				}
			}
			if it.Level == "warning" || it.Level == "info" {
				v.Warnings = append(v.Warnings, sv)
			} else {
				v.Errors = append(v.Errors, sv)
			}
		}
	}
	v.Labels = sortedKV(e.Metadata.Labels)
	v.Annotations = sortedKV(e.Metadata.Annotations)
	if p, ok := e.Spec["profile"].(map[string]any); ok {
		v.Profile.DisplayName, _ = p["displayName"].(string)
		v.Profile.Email, _ = p["email"].(string)
		v.Profile.Picture, _ = p["picture"].(string)
	}
	return v
}

// sourceURL turns a source-location annotation ("url:https://…/tree/main/")
// into a link, or "" for targets a browser cannot open.
func sourceURL(loc string) string {
	typ, target, ok := strings.Cut(loc, ":")
	if !ok || typ != "url" {
		return ""
	}
	if ok, scheme := callboard.LinkURL(target); !ok || (scheme != "https" && scheme != "http") {
		return ""
	}
	return target
}

func sortedKV(m map[string]string) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// entityTabs lists the tabs that apply to e, marking the active one.
func (s *Server) entityTabs(e *callboard.Entity, base, active string) []tabView {
	tabs := []tabView{{ID: tabOverview, Title: "Overview"}, {ID: tabRelations, Title: "Relations"}}
	kind := strings.ToLower(e.Kind)
	if kind == "api" {
		tabs = append(tabs, tabView{ID: tabDefinition, Title: "Definition"})
	}
	if kind == "component" || len(e.SpecStrings("providesApis"))+len(e.SpecStrings("consumesApis")) > 0 {
		tabs = append(tabs, tabView{ID: tabAPIs, Title: "APIs"})
	}
	if kind == "component" || kind == "resource" || kind == "system" || len(e.SpecStrings("dependsOn")) > 0 {
		tabs = append(tabs, tabView{ID: tabDependencies, Title: "Dependencies"})
	}
	for _, t := range s.pluginTabs() {
		if applies(t.Applies, e) {
			tabs = append(tabs, tabView{ID: t.ID, Title: t.Title})
		}
	}
	for i := range tabs {
		tabs[i].URL = base
		if tabs[i].ID != "" {
			tabs[i].URL += "/" + url.PathEscape(tabs[i].ID)
		}
		tabs[i].Active = tabs[i].ID == active
	}
	return tabs
}

// loadRelations fetches the targets of e's relations in one batch (at most
// relCap per type) and groups them; owner, system and domain come from it.
func (s *Server) loadRelations(ctx context.Context, e *callboard.Entity, v *entityView) error {
	byType := map[string][]string{}
	for _, r := range e.Relations {
		byType[r.Type] = append(byType[r.Type], r.TargetRef)
	}
	var refs []string
	for t, rs := range byType {
		slices.Sort(rs)
		rs = slices.Compact(rs)
		byType[t] = rs
		refs = append(refs, rs[:min(len(rs), relCap)]...)
	}
	// The system's domain is one more hop; fetch the system with the rest.
	ents, err := s.catalog.EntitiesByRefs(ctx, refs, nil)
	if err != nil {
		return err
	}
	got := make(map[string]*callboard.Entity, len(ents))
	for i, x := range ents {
		got[refs[i]] = x
	}
	v.neighbours = got // the graph reuses them
	for _, rl := range relationLabels {
		rs := byType[rl.Type]
		if len(rs) == 0 {
			continue
		}
		g := &relGroup{Type: rl.Type, Label: rl.Label, More: max(0, len(rs)-relCap)}
		for _, ref := range rs[:min(len(rs), relCap)] {
			if x := got[ref]; x != nil {
				g.Rows = append(g.Rows, rowOf(x))
			} else {
				// A relation to an entity the catalog does not have.
				g.Rows = append(g.Rows, entityRow{Ref: ref, URL: entityURL(ref), Name: shortRef(ref, ""), Kind: refKind(ref), Description: "not in the catalog"})
			}
		}
		v.rels[rl.Type] = g
	}
	// The rows' owners by display name, read once with the neighbours.
	got[e.Ref().String()] = e
	var all []entityRow
	for _, rl := range relationLabels {
		if g := v.rels[rl.Type]; g != nil {
			all = append(all, g.Rows...)
		}
	}
	all = s.peopleRows(ctx, all, got)
	for _, rl := range relationLabels {
		if g := v.rels[rl.Type]; g != nil {
			g.Rows, all = all[:len(g.Rows)], all[len(g.Rows):]
			v.Groups = append(v.Groups, *g)
		}
	}
	if g := v.rels[callboard.RelationOwnedBy]; g != nil {
		v.Owner = linkTo(g.Rows[0].Ref, "group")
		if dn := g.Rows[0].Display; dn != "" {
			v.Owner.Short = dn
		}
	}
	if g := v.rels[callboard.RelationPartOf]; g != nil {
		for _, row := range g.Rows {
			switch strings.ToLower(row.Kind) {
			case "system":
				if v.System.Ref == "" {
					v.System = linkTo(row.Ref, "system")
				}
			case "domain":
				v.Domain = linkTo(row.Ref, "domain")
			}
		}
	}
	if v.Domain.Ref == "" && v.System.Ref != "" {
		if sys := got[v.System.Ref]; sys != nil {
			if d := sys.SpecString("domain"); d != "" {
				if dr, err := callboard.ParseRef(d, "domain", sys.Ref().Namespace); err == nil {
					v.Domain = linkTo(dr.String(), "domain")
				}
			}
		}
	}
	return nil
}

// Rel returns the relation group of type t, empty if e has none.
func (v *entityView) Rel(t string) relGroup {
	if g := v.rels[t]; g != nil {
		return *g
	}
	for _, rl := range relationLabels {
		if rl.Type == t {
			return relGroup{Type: t, Label: rl.Label}
		}
	}
	return relGroup{Type: t}
}

// loadOverview adds the cards of the Overview tab: a small graph, what a
// group owns, and the plugin cards.
func (s *Server) loadOverview(ctx context.Context, e *callboard.Entity, v *entityView) error {
	// The card spans the page and draws at natural size, so its text
	// reads as on the Relations tab; past 12 nodes "+N more" stands in.
	g, err := s.relationGraph(ctx, e, v.neighbours, 1, 12, 0)
	if err != nil {
		return err
	}
	v.Graph = g
	switch strings.ToLower(e.Kind) {
	case "group", "user":
		// A user owns what they own and what their groups own, as
		// Backstage's ownership card counts it.
		owners := []string{v.Ref}
		for _, r := range e.Relations {
			if r.Type == callboard.RelationMemberOf && !slices.Contains(owners, r.TargetRef) {
				owners = append(owners, r.TargetRef)
			}
		}
		owned := index.Filter{{{Key: "relations.ownedby", Values: owners}}}
		es, total, err := s.catalog.Query(ctx, index.Query{Filter: owned,
			Order: []index.Order{{Field: "kind"}, {Field: "metadata.name"}}, Limit: relCap})
		if err != nil {
			return err
		}
		v.Owned, v.OwnedTotal = s.peopleRows(ctx, rowsOf(es), v.neighbours), total
		q := url.Values{"owner": owners, "kind": {allKinds}}
		v.OwnedURL = "/catalog?" + q.Encode()
		for _, c := range s.catalog.Facets(ctx, []string{"kind"}, owned)["kind"] {
			q := url.Values{"owner": owners, "kind": {strings.ToLower(c.Value)}}
			v.OwnedKinds = append(v.OwnedKinds, ownedKind{Kind: c.Value, Count: c.Count, URL: "/catalog?" + q.Encode()})
		}
	}
	v.Cards = s.renderCards(ctx, e)
	return nil
}
