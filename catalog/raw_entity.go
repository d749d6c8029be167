package catalog

import (
	"bytes"
	"context"
	"encoding/json"

	"callboard"
)

// EntityJSON returns the served JSON of the entity ref, byte for byte
// json.Marshal of what Entity returns, with the same errors. Once the
// catalog is loaded, and when the caller sees every entity, it splices the
// relations into the stored body instead of decoding the body and encoding
// the entity again: for by-name lookups that was most of their cost.
func (s *Service) EntityJSON(ctx context.Context, ref callboard.EntityRef) ([]byte, error) {
	if b, ok := s.entityJSONFast(ctx, ref); ok {
		return b, nil
	}
	e, err := s.Entity(ctx, ref)
	if err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

// entityJSONFast is EntityJSON from the stored body, or false when the
// general path must answer: before Load is done, for callers with a
// visibility, for orphans (whose annotation is not in the body), for
// bodies that might have a status (which json.Marshal writes after the
// relations), and for any entity not found, so that NotFound comes from
// one place.
func (s *Service) entityJSONFast(ctx context.Context, ref callboard.EntityRef) ([]byte, bool) {
	select {
	case <-s.loadedCh:
	default:
		return nil, false
	}
	if v, err := visibility(ctx); err != nil || !v.All {
		return nil, false
	}
	key := ref.String()
	s.mu.RLock()
	n, ok := s.g.lookup(key)
	var uid string
	if ok && !n.orphan {
		uid = n.uid
	}
	s.mu.RUnlock()
	if uid == "" {
		return nil, false
	}
	_, bodies, err := s.store.AppendEntityBodies(ctx, nil, []string{uid})
	if err != nil || bodies[0].JSON == nil || bytes.Contains(bodies[0].JSON, []byte(`"status":`)) {
		return nil, false
	}
	body := bytes.TrimRight(bodies[0].JSON, " \t\r\n")
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok = s.g.lookup(key)
	if !ok || n.orphan || n.uid != uid {
		return nil, false // replaced or deleted since
	}
	out := make([]byte, 0, len(body)+16+80*s.g.relationCount(n.id))
	out = s.appendServed(out, body, n.id, true)
	if bytes.HasSuffix(out, []byte(`"relations":[]}`)) {
		return body, true // json.Marshal leaves out an empty Relations
	}
	return out, true
}
