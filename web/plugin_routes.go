package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"callboard"
	"callboard/plugin"
)

// pluginRoutes mounts every enabled plugin's routes at /api/<id><path>
// through the server's own wrappers: api for GET (Backstage's error body),
// write for the others (same-origin browsers, a signed-in caller outside
// dev mode). pluginHandler adds the route's permission and the audit log.
func (s *Server) pluginRoutes(mux *http.ServeMux) {
	for _, p := range s.opts.Plugins {
		for _, rt := range p.Routes {
			pattern := rt.Method + " /api/" + p.ID + rt.Path
			if rt.Method == http.MethodGet {
				mux.Handle(pattern, s.api(s.pluginHandler(p, rt)))
			} else {
				mux.Handle(pattern, s.write(s.pluginHandler(p, rt)))
			}
		}
	}
}

// pluginHandler decides the route's permission (on the entity the path
// names, for a permission decided per entity), runs the plugin's handler
// with plugin.RouteEntity and plugin.Allowed available, turns a panic into
// an Internal error, and records every call that is not a GET in the audit
// log under the permission's name (or "<id>.request").
func (s *Server) pluginHandler(p plugin.Enabled, rt plugin.Route) func(http.ResponseWriter, *http.Request) error {
	perm := p.Permission(rt.Permission)
	action := rt.Permission
	if action == "" {
		action = p.ID + ".request"
	}
	write := rt.Method != http.MethodGet
	return func(w http.ResponseWriter, r *http.Request) (err error) {
		requestID(r)
		target := r.URL.Path
		ctx := s.pluginContext(r.Context())
		var e *callboard.Entity
		if perm.ResourceType == callboard.ResourceEntity {
			if s.catalog == nil {
				return callboard.Errorf(callboard.NotFound, "no catalog")
			}
			ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
			if e, err = s.catalog.Entity(ctx, ref); err != nil {
				return err
			}
			target = e.Ref().String()
			ctx = plugin.WithRouteEntity(ctx, e)
		}
		if write {
			r.Body = http.MaxBytesReader(w, r.Body, 4<<20)
			defer func() {
				s.audit(r, action, target, err, map[string]any{"plugin": p.ID, "method": r.Method, "path": r.URL.Path})
			}()
		}
		if rt.Permission != "" {
			if err := s.authorizePlugin(r, perm, e, target, write); err != nil {
				return err
			}
		}
		defer func() {
			if v := recover(); v != nil {
				err = callboard.Wrap(callboard.Internal, fmt.Errorf("plugin %s panicked: %v\n%s", p.ID, v, debug.Stack()), "panic")
			}
		}()
		return rt.Handler(w, r.WithContext(ctx))
	}
}

// authorizePlugin checks that the caller holds perm on e (nil for none).
// A refusal is Forbidden. pluginHandler records writes, refused ones
// too; a refused GET is recorded here as denied unless perm is a read.
func (s *Server) authorizePlugin(r *http.Request, perm callboard.Permission, e *callboard.Entity, target string, write bool) error {
	if s.opts.Authorizer == nil {
		return nil
	}
	p := callboard.PrincipalFrom(r.Context())
	ok, err := s.opts.Authorizer.Authorize(r.Context(), p, perm.Name, e)
	if err != nil || ok {
		return err
	}
	who := p.Subject
	if who == "" {
		who = "an anonymous caller"
	}
	err = callboard.Errorf(callboard.Forbidden, "%s is not allowed to call %s %s (permission %s)", who, r.Method, target, perm.Name)
	if perm.Action != "read" && !readPerms[perm.Name] && !write {
		s.audit(r, perm.Name, target, err, nil)
	}
	return err
}

// pluginTimeout is the bound of each plugin call.
func (s *Server) pluginTimeout() time.Duration {
	if s.opts.PluginTimeout > 0 {
		return s.opts.PluginTimeout
	}
	return plugin.DefaultTimeout
}

// factsResponse is GET /api/facts/by-name/{kind}/{namespace}/{name}.
type factsResponse struct {
	EntityRef   string             `json:"entityRef"`
	Facts       []callboard.Fact   `json:"facts"`
	Unavailable []factsUnavailable `json:"unavailable"`
}

type factsUnavailable struct {
	Source  string `json:"source"`
	Message string `json:"message"`
}

// handleFactsByName answers what the enabled plugins know about an entity
// the caller may read: its facts, and the plugins that did not answer in
// time or failed.
func (s *Server) handleFactsByName(w http.ResponseWriter, r *http.Request) error {
	ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	if s.catalog == nil {
		return callboard.Errorf(callboard.NotFound, "entity %s not found", ref)
	}
	e, err := s.catalog.Entity(r.Context(), ref)
	if err != nil {
		return err
	}
	facts, failed := plugin.Facts(s.pluginContext(r.Context()), s.opts.Plugins, e, s.pluginTimeout())
	resp := factsResponse{EntityRef: e.Ref().String(), Facts: facts, Unavailable: []factsUnavailable{}}
	if resp.Facts == nil {
		resp.Facts = []callboard.Fact{}
	}
	for _, p := range s.opts.Plugins {
		if err, ok := failed[p.ID]; ok {
			if callboard.ErrorKind(err) == callboard.Internal {
				s.log.Error("plugin facts failed", "plugin", p.ID, "entity", resp.EntityRef, "err", err)
			}
			resp.Unavailable = append(resp.Unavailable, factsUnavailable{Source: p.ID, Message: p.Title + " is unavailable: " + callboard.ErrorMessage(err)})
		}
	}
	return writeJSON(w, http.StatusOK, resp)
}
