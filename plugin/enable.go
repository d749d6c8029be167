package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"callboard"
)

// name is the shape of plugin IDs and job names.
var name = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// reservedIDs are the roots of the built-in API: a plugin with one of
// these IDs would mount its routes among the portal's own.
var reservedIDs = []string{"catalog", "techdocs", "scaffolder", "auth", "events", "audit", "facts"}

var actions = []string{"", "read", "create", "update", "delete"}

// Check checks a binary's plugin list: IDs well formed and unique,
// config sections unique, permissions named after their plugin, unique
// and not built-in. The error lists every problem (errors.Join), each
// naming its plugin; a list that fails is a programming error of the
// binary, found at startup.
func Check(plugins []Plugin) error {
	var errs []error
	bad := func(id, format string, args ...any) {
		errs = append(errs, fmt.Errorf("plugin %q: %s", id, fmt.Sprintf(format, args...)))
	}
	ids, keys, perms := map[string]bool{}, map[string]string{}, map[string]bool{}
	for _, p := range plugins {
		switch {
		case !name.MatchString(p.ID):
			bad(p.ID, "the ID must be lower-case letters, digits and dashes, starting with a letter (at most 40)")
		case slices.Contains(reservedIDs, p.ID):
			bad(p.ID, "the ID is taken by the portal's own API (/api/%s)", p.ID)
		case ids[p.ID]:
			bad(p.ID, "two plugins have this ID")
		}
		ids[p.ID] = true
		if p.Title == "" {
			bad(p.ID, "no Title")
		}
		if p.Setup == nil {
			bad(p.ID, "no Setup")
		}
		for _, key := range p.Keys() {
			if other, ok := keys[key]; ok {
				bad(p.ID, "config section %s is plugin %q's too", key, other)
			}
			keys[key] = p.ID
		}
		for _, perm := range p.Permissions {
			// The ID prefix keeps plugins' names apart, and apart from
			// the built-in ones (their roots are reserved IDs).
			switch {
			case !strings.HasPrefix(perm.Name, p.ID+".") || len(perm.Name) == len(p.ID)+1:
				bad(p.ID, "permission %q must be named %s.<noun>.<verb>", perm.Name, p.ID)
			case perms[perm.Name]:
				bad(p.ID, "permission %q is declared twice", perm.Name)
			}
			if !slices.Contains(actions, perm.Action) {
				bad(p.ID, "permission %q: action %q is not read, create, update, delete or empty", perm.Name, perm.Action)
			}
			perms[perm.Name] = true
		}
	}
	return errors.Join(errs...)
}

// Permissions returns the permissions the plugins declare, for the policy
// engine (policy.Parse's extra).
func Permissions(plugins []Plugin) []callboard.Permission {
	var out []callboard.Permission
	for _, p := range plugins {
		out = append(out, p.Permissions...)
	}
	return out
}

// Enable runs p's Setup with env and checks what it returns: routes with
// a method, a path the mux accepts, a known permission and a handler;
// tabs, cards, jobs, providers, actions and event handlers with IDs,
// titles and functions. A panic in Setup is an error naming the plugin,
// not a crash.
func Enable(ctx context.Context, p Plugin, env Env) (en Enabled, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("plugin %s: setup panicked: %v\n%s", p.ID, v, debug.Stack())
		}
	}()
	if p.Setup == nil {
		return Enabled{}, fmt.Errorf("plugin %s: no Setup", p.ID)
	}
	in, err := p.Setup(ctx, env)
	if err != nil {
		return Enabled{}, fmt.Errorf("plugin %s: %w", p.ID, err)
	}
	if in == nil {
		in = &Instance{}
	}
	en = Enabled{Plugin: p, Instance: in}
	if err := en.check(); err != nil {
		return Enabled{}, err
	}
	return en, nil
}

// check checks an instance against its plugin's declaration.
func (en Enabled) check() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("plugin %s: %s", en.ID, fmt.Sprintf(format, args...)))
	}
	seen := map[string]bool{}
	for _, r := range en.Routes {
		pattern := r.Method + " /api/" + en.ID + r.Path
		switch {
		case !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, r.Method):
			bad("route %s %s: method must be GET, POST, PUT, PATCH or DELETE", r.Method, r.Path)
		case !strings.HasPrefix(r.Path, "/"):
			bad("route %s %s: the path must start with /", r.Method, r.Path)
		case seen[pattern]:
			bad("route %s %s is declared twice", r.Method, r.Path)
		case r.Handler == nil:
			bad("route %s %s has no handler", r.Method, r.Path)
		default:
			if err := checkPattern(pattern); err != nil {
				bad("route %s %s: %v", r.Method, r.Path, err)
			}
		}
		seen[pattern] = true
		if r.Permission == "" {
			continue
		}
		typ, ok := en.resourceType(r.Permission)
		if !ok {
			bad("route %s %s: permission %q is neither the plugin's nor a built-in one", r.Method, r.Path, r.Permission)
		}
		if typ == callboard.ResourceEntity && !(strings.Contains(r.Path, "{kind}") && strings.Contains(r.Path, "{namespace}") && strings.Contains(r.Path, "{name}")) {
			bad("route %s %s: permission %s is decided per entity, so the path needs {kind}, {namespace} and {name}", r.Method, r.Path, r.Permission)
		}
	}
	for _, t := range en.Tabs {
		if t.ID == "" || strings.ContainsAny(t.ID, "/?#% ") || t.Title == "" || t.Render == nil || seen["tab "+t.ID] {
			bad("tab %q needs a unique ID that fits in a path segment, a Title and Render", t.ID)
		}
		seen["tab "+t.ID] = true
	}
	for _, pg := range en.Pages {
		pattern := "GET /" + en.ID + pg.Path
		switch {
		case pg.Path != "" && !strings.HasPrefix(pg.Path, "/"):
			bad("page %q: the path must be empty or start with /", pg.Path)
		case pg.Render == nil || seen[pattern]:
			bad("page %q needs a unique Path and Render", pg.Path)
		case pg.Nav != "" && pg.Path != "":
			bad("page %q: only the plugin's root page (Path \"\") can be in the sidebar", pg.Path)
		default:
			if err := checkPattern(pattern); err != nil {
				bad("page %q: %v", pg.Path, err)
			}
		}
		seen[pattern] = true
	}
	for _, c := range en.Cards {
		if c.ID == "" || c.Title == "" || c.Render == nil || seen["card "+c.ID] {
			bad("card %q needs a unique ID, a Title and Render", c.ID)
		}
		seen["card "+c.ID] = true
	}
	for _, j := range en.Jobs {
		if !name.MatchString(j.Name) || j.Every <= 0 || j.Timeout < 0 || j.Run == nil || seen["job "+j.Name] {
			bad("job %q needs a unique name (lower-case letters, digits, dashes), Every above zero and Run", j.Name)
		}
		seen["job "+j.Name] = true
	}
	for _, p := range en.Providers {
		if p.Name == "" || p.Run == nil {
			bad("provider %q needs a Name and Run", p.Name)
		}
	}
	for _, r := range en.URLReaders {
		if r.Host == "" || (r.Read == nil && r.Authorization == nil) {
			bad("URL reader %q needs a Host and Read or Authorization", r.Host)
		}
	}
	for _, a := range en.Actions {
		if a.ID == "" || a.Input == nil || a.Input.Kind() != reflect.Struct || a.Run == nil || seen["action "+a.ID] {
			bad("action %q needs a unique ID, a struct Input and Run (build it with NewAction)", a.ID)
		}
		seen["action "+a.ID] = true
	}
	for _, e := range en.Events {
		if !name.MatchString(e.Topic) || e.Handle == nil || seen["topic "+e.Topic] {
			bad("event handler %q needs a unique Topic (lower-case letters, digits, dashes) and Handle", e.Topic)
		}
		seen["topic "+e.Topic] = true
	}
	return errors.Join(errs...)
}

// resourceType returns the resource type of perm, one of the plugin's
// permissions or a built-in one, and whether it is either.
func (en Enabled) resourceType(perm string) (string, bool) {
	for _, p := range en.Permissions {
		if p.Name == perm {
			return p.ResourceType, true
		}
	}
	typ, ok := callboard.Permissions[perm]
	return typ, ok
}

// Permission returns the declaration of perm, a permission of the plugin
// or a built-in one (with its resource type and no Action).
func (en Enabled) Permission(perm string) callboard.Permission {
	for _, p := range en.Permissions {
		if p.Name == perm {
			return p
		}
	}
	return callboard.Permission{Name: perm, ResourceType: callboard.Permissions[perm]}
}

// checkPattern reports whether http.ServeMux accepts pattern; it panics on
// one it does not.
func checkPattern(pattern string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()
	http.NewServeMux().Handle(pattern, http.NotFoundHandler())
	return nil
}
