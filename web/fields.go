package web

import (
	"encoding/json"
	"strings"

	"callboard"
)

// projection keeps only the dot paths of Backstage's fields parameter in
// served entities. Keys may contain dots (annotation keys), so a path is
// matched against the dotted path of each value rather than split: an
// entity is walked once, into the objects some path goes through, however
// many fields are asked for. A nil projection keeps everything.
type projection struct {
	want    map[string]bool // the paths asked for
	through map[string]bool // their proper prefixes ending before a dot
}

// parseFields reads the fields parameter: comma-separated dot paths.
func parseFields(values []string) (*projection, error) {
	paths, err := parsePaths("fields", values, maxFields)
	if err != nil || len(paths) == 0 {
		return nil, err
	}
	p := &projection{want: map[string]bool{}, through: map[string]bool{}}
	for _, f := range paths {
		p.want[f] = true
		for i := strings.IndexByte(f, '.'); i >= 0; i = next(f, i) {
			p.through[f[:i]] = true
		}
	}
	return p, nil
}

// next returns the index of the dot after position i in f, or -1.
func next(f string, i int) int {
	j := strings.IndexByte(f[i+1:], '.')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// keeps reports whether p keeps some of the top-level member key.
func (p *projection) keeps(key string) bool {
	return p == nil || p.want[key] || p.through[key]
}

// raws applies p to served JSON entities; nil items stay nil.
func (p *projection) raws(in []json.RawMessage) []json.RawMessage {
	if p == nil {
		return in
	}
	// The projections go into one array, cut once it has stopped growing.
	var buf []byte
	ends := make([]int, len(in))
	for i, raw := range in {
		if raw != nil {
			start := len(buf)
			var ok bool
			if buf, ok = p.project(buf, raw, ""); !ok {
				buf = append(buf[:start], "{}"...)
			}
		}
		ends[i] = len(buf)
	}
	out := make([]json.RawMessage, len(in))
	start := 0
	for i, raw := range in {
		if raw != nil {
			out[i] = buf[start:ends[i]:ends[i]]
		}
		start = ends[i]
	}
	return out
}

// entities applies p to decoded entities for by-refs; nil entities stay
// null.
func (p *projection) entities(es []*callboard.Entity) any {
	if es == nil {
		es = []*callboard.Entity{}
	}
	if p == nil {
		return es
	}
	raws := make([]json.RawMessage, len(es))
	for i, e := range es {
		if e == nil {
			continue
		}
		if b, err := json.Marshal(e); err == nil {
			raws[i] = b
		}
	}
	out := make([]any, len(es))
	for i, r := range p.raws(raws) {
		if r != nil {
			out[i] = r
		}
	}
	return out
}
