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
	// The served JSON of the page goes into one array (or a few): the
	// bodies with relations, not one allocation each.
	size := 0
	for _, b := range bodies {
		size += len(b) + 512
	}
	arena := make([]byte, 0, size)
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
		out[i], arena = s.splice(arena, b, id, known)
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

// splice appends to arena the JSON object body with "relations" added:
// the relations of graph node id, or none when the ref is not known. It
// returns the object and the rest of the arena, which is replaced by a new
// one when full. Call with s.mu held.
func (s *Service) splice(arena, body []byte, id int32, known bool) (json.RawMessage, []byte) {
	body = bytes.TrimRight(body, " \t\r\n")
	n := 0
	if known {
		n = s.g.relationCount(id)
	}
	if need := len(body) + 16 + 80*n; cap(arena)-len(arena) < need {
		arena = make([]byte, 0, max(need, cap(arena)))
	}
	out := arena[len(arena):]
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
	out = append(out, '}')
	if len(arena)+len(out) > cap(arena) {
		return out, arena // out outgrew the arena and has an array of its own
	}
	// Cap the object so that appending to it cannot reach the next one.
	return out[:len(out):len(out)], arena[:len(arena)+len(out)]
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
