package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"callboard"
)

// AppendEntityJSON appends the served JSON of the entity ref to dst,
// byte for byte json.Marshal of what Entity returns, with the same errors.
// Once the catalog is loaded, and when the caller sees every entity, it
// splices the relations into the stored body instead of decoding the body
// and encoding the entity again: for by-name lookups that was most of
// their cost. A caller that reuses dst allocates no body.
func (s *Service) AppendEntityJSON(ctx context.Context, dst []byte, ref callboard.EntityRef) ([]byte, error) {
	if b, ok := s.appendEntityJSONFast(ctx, dst, ref); ok {
		return b, nil
	}
	e, err := s.Entity(ctx, ref)
	if err != nil {
		return dst, err
	}
	b, err := json.Marshal(e)
	return append(dst, b...), err
}

// appendEntityJSONFast is AppendEntityJSON from the stored body, or false
// when the general path must answer: before Load is done, for callers
// with a visibility, for orphans (whose annotation is not in the body),
// for bodies that might have a status (which json.Marshal writes after
// the relations), and for any entity not found, so that NotFound comes
// from one place.
func (s *Service) appendEntityJSONFast(ctx context.Context, dst []byte, ref callboard.EntityRef) ([]byte, bool) {
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
	bp := bodyBufs.Get()
	defer bodyBufs.Put(bp)
	buf, bodies, err := s.store.AppendEntityBodies(ctx, *bp, []string{uid})
	*bp = buf
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
	start := len(dst)
	out := slices.Grow(dst, len(body)+16+80*s.g.relationCount(n.id))
	out = s.appendServed(out, body, n.id, true)
	if bytes.HasSuffix(out[start:], []byte(`"relations":[]}`)) {
		return append(out[:start], body...), true // json.Marshal leaves out an empty Relations
	}
	return out, true
}
