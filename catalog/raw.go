package catalog

import (
	"bytes"
	"context"
	"encoding/json"

	"callboard/index"
)

// RawEntitiesByUID returns the served JSON of the entities with the given
// uids, in order, nil where missing: the stored body with the relations
// spliced in. It does not apply the caller's visibility: callers pass uids
// of a narrowed query. List endpoints use it so that a page of entities is never
// decoded and encoded again.
func (s *Service) RawEntitiesByUID(ctx context.Context, uids []string) ([]json.RawMessage, error) {
	if err := s.waitLoaded(ctx); err != nil {
		return nil, err
	}
	bodies, err := s.store.EntityBodies(ctx, uids)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(bodies))
	var orphans []int
	s.mu.RLock()
	refs := s.idx.RefsByUID(uids)
	for i, b := range bodies {
		if b == nil || refs[i] == "" {
			continue // refs[i] == "": deleted since the store read
		}
		id, known := s.g.ids[refs[i]]
		if n, ok := s.g.nodes[id]; known && ok && n.orphan {
			orphans = append(orphans, i)
			continue
		}
		out[i] = s.splice(b, id, known)
	}
	s.mu.RUnlock()
	if len(orphans) > 0 {
		// Orphans carry an annotation that is not in the stored body.
		ids := make([]string, len(orphans))
		for j, i := range orphans {
			ids[j] = uids[i]
		}
		es, err := s.entitiesByUID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for j, i := range orphans {
			if es[j] != nil {
				if out[i], err = json.Marshal(es[j]); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// splice appends "relations" to a JSON object: the relations of graph
// node id, or none when the ref is not known. Call with s.mu held.
func (s *Service) splice(body []byte, id int32, known bool) json.RawMessage {
	body = bytes.TrimRight(body, " \t\r\n")
	n := 0
	if known {
		n = len(s.g.out[id])
	}
	out := make([]byte, 0, len(body)+16+64*n)
	out = append(out, body[:len(body)-1]...)
	if len(body) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"relations":`...)
	if !known {
		out = append(out, "[]"...)
	} else {
		out = s.g.appendRelationsJSON(out, id)
	}
	return append(out, '}')
}

// QueryRaw is Query returning the served JSON of each entity.
func (s *Service) QueryRaw(ctx context.Context, q index.Query) ([]json.RawMessage, int, error) {
	if err := s.waitLoaded(ctx); err != nil {
		return nil, 0, err
	}
	if err := narrow(ctx, &q); err != nil {
		return nil, 0, err
	}
	page, err := s.idx.Query(q)
	if err != nil {
		return nil, 0, err
	}
	raws, err := s.RawEntitiesByUID(ctx, page.UIDs)
	if err != nil {
		return nil, 0, err
	}
	out := raws[:0]
	for _, r := range raws {
		if r != nil {
			out = append(out, r)
		}
	}
	return out, page.Total, nil
}
