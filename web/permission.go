package web

import (
	"context"
	"net/http"

	"callboard"
	"callboard/catalog"
	"callboard/index"
)

// withPermissions puts the caller's catalog.entity.read filter into r's
// context, so that every catalog read of the request (API and portal) sees
// only what the policy lets the caller see. The filter reads the principal
// when the catalog asks, so it works wherever the sign-in middleware sits.
func (s *Server) withPermissions(r *http.Request) *http.Request {
	if s.opts.Authorizer == nil {
		return r
	}
	return r.WithContext(catalog.WithReadFilter(r.Context(), s.readFilter))
}

// readFilter turns the policy's read condition into the catalog's
// visibility: a predicate for queries, Authorize for single entities.
func (s *Server) readFilter(ctx context.Context) (catalog.Visibility, error) {
	az := s.opts.Authorizer
	p := callboard.PrincipalFrom(ctx)
	cond, err := az.EntityFilter(ctx, p, callboard.PermEntityRead)
	if err != nil {
		return catalog.Visibility{}, err
	}
	if cond.All {
		return catalog.Visibility{All: true}, nil
	}
	var pred *index.Predicate
	if cond.Predicate != nil {
		if pred, err = index.ParsePredicate(cond.Predicate); err != nil {
			return catalog.Visibility{}, callboard.Wrap(callboard.Internal, err, "permission policy gave a bad read filter")
		}
	}
	allows := func(e *callboard.Entity) bool {
		ok, err := az.Authorize(ctx, p, callboard.PermEntityRead, e)
		return err == nil && ok
	}
	return catalog.Visibility{Predicate: pred, Allows: allows}, nil
}

// authorize checks that the caller holds perm on e (nil for permissions on
// no entity). A refusal is Forbidden, Backstage's NotAllowedError, and,
// unless perm is a read, is recorded in the audit log as denied under
// action perm and target.
func (s *Server) authorize(r *http.Request, perm string, e *callboard.Entity, target string) error {
	if s.opts.Authorizer == nil {
		return nil
	}
	ok, err := s.opts.Authorizer.Authorize(r.Context(), callboard.PrincipalFrom(r.Context()), perm, e)
	return s.refuse(r, perm, target, ok, err)
}

// authorizeCreated is authorize for the permissions decided by who
// created the task or location (callboard.ByCreator).
func (s *Server) authorizeCreated(r *http.Request, perm, createdBy, target string) error {
	if s.opts.Authorizer == nil {
		return nil
	}
	ok, err := s.opts.Authorizer.AuthorizeCreated(r.Context(), callboard.PrincipalFrom(r.Context()), perm, createdBy)
	return s.refuse(r, perm, target, ok, err)
}

// refuse turns a decision into authorize's answer.
func (s *Server) refuse(r *http.Request, perm, target string, ok bool, err error) error {
	if err != nil || ok {
		return err
	}
	who := callboard.PrincipalFrom(r.Context()).Subject
	if who == "" {
		who = "an anonymous caller"
	}
	err = callboard.Errorf(callboard.Forbidden, "%s is not allowed to %s %s (permission %s)", who, verbOf[perm], target, perm)
	if !readPerms[perm] {
		s.audit(r, perm, target, err, nil)
	}
	return err
}

// allowed reports whether the caller holds perm on e, for deciding what a
// page offers: nothing is recorded, and a policy that cannot be evaluated
// offers nothing (the action itself would then be refused and audited).
func (s *Server) allowed(r *http.Request, perm string, e *callboard.Entity) bool {
	if s.opts.Authorizer == nil {
		return true
	}
	ok, err := s.opts.Authorizer.Authorize(r.Context(), callboard.PrincipalFrom(r.Context()), perm, e)
	if err != nil {
		s.log.Warn("permission check failed", "permission", perm, "err", err)
		return false
	}
	return ok
}

// readPerms are the permissions of plain reads: refusals are not audited,
// as reads are not (audit.read is: who tries to read the log matters).
var readPerms = map[string]bool{
	callboard.PermEntityRead: true, callboard.PermLocationRead: true,
	callboard.PermTaskRead: true, callboard.PermTemplateParamRead: true,
}

// verbOf words a permission for refusal messages.
var verbOf = map[string]string{
	callboard.PermEntityDelete: "delete", callboard.PermEntityRefresh: "refresh",
	callboard.PermLocationCreate: "register", callboard.PermLocationDelete: "unregister",
	callboard.PermLocationUpdate: "update", callboard.PermDocsSync: "sync the docs of", callboard.PermAuditRead: "read",
	callboard.PermLocationRead: "read", callboard.PermTaskRead: "read",
	callboard.PermTemplateParamRead: "read the parameters of",
}

// refreshEntity checks catalog.entity.refresh on the entity ref names,
// refreshes it and records the attempt.
func (s *Server) refreshEntity(r *http.Request, ref string) error {
	parsed, err := callboard.ParseRef(ref, "", "")
	if err != nil {
		return err
	}
	e, err := s.catalog.Entity(r.Context(), parsed)
	if err != nil {
		return err
	}
	target := e.Ref().String()
	if err := s.authorize(r, callboard.PermEntityRefresh, e, target); err != nil {
		return err
	}
	err = s.catalog.Refresh(r.Context(), ref)
	s.audit(r, callboard.PermEntityRefresh, target, err, nil)
	return err
}

// deleteLocation checks catalog.location.delete, deletes the location and
// records the attempt.
func (s *Server) deleteLocation(r *http.Request, id string) error {
	if err := s.authorize(r, callboard.PermLocationDelete, nil, "location "+id); err != nil {
		return err
	}
	err := s.catalog.DeleteLocation(r.Context(), id)
	s.audit(r, callboard.PermLocationDelete, id, err, nil)
	return err
}
