package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"callboard/index"
	"callboard/internal/bufpool"
)

// RawEntitiesByUID returns the served JSON of the entities with the given
// uids, in order, nil where missing: the stored body with the relations
// spliced in. It does not apply the caller's visibility: callers pass uids
// of a narrowed query. List endpoints use it so that a page of entities is
// never decoded and encoded again.
func (s *Service) RawEntitiesByUID(ctx context.Context, uids []string) ([]json.RawMessage, error) {
	_, out, err := s.AppendRawEntities(ctx, nil, uids, true)
	return out, err
}

// bodyBufs holds the buffers stored bodies are read into: a page of 100
// is about 150 KB, which allocated for each request made the garbage
// collector run as often again.
var bodyBufs = bufpool.New(4 << 20)

// AppendRawEntities is RawEntitiesByUID appending the entities to arena,
// which it returns with them (slices of it): a caller that reuses arena
// allocates nothing per entity. With relations false the entities have no
// "relations" member, for responses whose fields leave it out.
func (s *Service) AppendRawEntities(ctx context.Context, arena []byte, uids []string, relations bool) ([]byte, []json.RawMessage, error) {
	if err := s.waitLoaded(ctx); err != nil {
		return arena, nil, err
	}
	bp := bodyBufs.Get()
	defer bodyBufs.Put(bp)
	buf, bodies, err := s.store.AppendEntityBodies(ctx, *bp, uids)
	*bp = buf
	if err != nil {
		return arena, nil, err
	}
	out := make([]json.RawMessage, len(bodies))
	// Where each entity starts in arena; -1 for none. Slices are cut once
	// arena has stopped growing.
	starts := make([]int, len(bodies)+1)
	var orphans []int
	s.mu.RLock()
	size := len(arena)
	for _, b := range bodies {
		size += len(b.JSON) + 16
		if id, known := s.g.ids[b.Ref]; relations && known {
			size += 80 * s.g.relationCount(id)
		}
	}
	arena = slices.Grow(arena, size-len(arena))
	for i, b := range bodies {
		starts[i] = -1
		id, known := s.g.ids[b.Ref]
		n := s.g.nodes[id]
		if b.JSON == nil || !known || n == nil || n.uid != uids[i] {
			continue // deleted or replaced since the store read
		}
		if n.orphan {
			orphans = append(orphans, i)
			continue
		}
		starts[i] = len(arena)
		arena = s.appendServed(arena, b.JSON, id, relations)
	}
	s.mu.RUnlock()
	starts[len(bodies)] = len(arena)
	end := len(arena)
	for i := len(bodies) - 1; i >= 0; i-- {
		if starts[i] >= 0 {
			out[i] = arena[starts[i]:end:end]
			end = starts[i]
		}
	}
	if len(orphans) > 0 {
		// Orphans carry an annotation that is not in the stored body.
		ids := make([]string, len(orphans))
		for j, i := range orphans {
			ids[j] = uids[i]
		}
		es, err := s.entitiesByUID(ctx, ids)
		if err != nil {
			return arena, nil, err
		}
		for j, i := range orphans {
			if es[j] != nil {
				if out[i], err = json.Marshal(es[j]); err != nil {
					return arena, nil, err
				}
			}
		}
	}
	return arena, out, nil
}

// appendServed appends to arena the JSON object body with "relations"
// added: the relations of graph node id; with relations false, body
// alone. Call with s.mu held.
func (s *Service) appendServed(arena, body []byte, id int32, relations bool) []byte {
	body = bytes.TrimRight(body, " \t\r\n")
	if !relations {
		return append(arena, body...)
	}
	arena = append(arena, body[:len(body)-1]...)
	if len(body) > 2 {
		arena = append(arena, ',')
	}
	arena = append(arena, `"relations":`...)
	arena = s.g.appendRelationsJSON(arena, id)
	return append(arena, '}')
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
