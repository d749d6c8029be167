package descriptor

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LineOf returns the line of a dotted field path such as "spec.owner",
// "metadata.links[0].url" or "metadata.annotations.backstage.io/x" (keys
// may contain dots; the longest matching key wins). For a missing field it
// returns the line of the nearest present ancestor, and d.Line when nothing
// matches. Lines refer to the file as parsed: values that placeholders
// replaced keep the line of the placeholder.
func (d *Doc) LineOf(field string) int {
	if d == nil {
		return 0
	}
	if line := lineIn(d.root(), field, 0); line > 0 {
		return line
	}
	return d.Line
}

// root returns the document's root node. A Doc from the fast path has
// none until a line is asked for (when something is wrong with it): its
// text is then parsed by yaml.v3, once.
func (d *Doc) root() *yaml.Node {
	d.once.Do(func() {
		if d.src == "" {
			return
		}
		var n yaml.Node
		if err := yaml.NewDecoder(strings.NewReader(d.src)).Decode(&n); err == nil && len(n.Content) > 0 {
			shiftLines(&n, d.srcLine-1)
			d.node = resolveAlias(n.Content[0])
		}
		d.src = ""
	})
	return d.node
}

// shiftLines adds by to the lines of n's tree, so that a document parsed
// alone has the lines of its file.
func shiftLines(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

// lineIn finds field under n; 0 means not found.
func lineIn(n *yaml.Node, field string, depth int) int {
	n = resolveAlias(n)
	if n == nil || depth > maxDepth {
		return 0
	}
	if field == "" {
		return n.Line
	}
	switch n.Kind {
	case yaml.MappingNode:
		var best *yaml.Node
		var bestVal *yaml.Node
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolveAlias(n.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				continue
			}
			if k.Value == "<<" {
				merges = append(merges, n.Content[i+1])
				continue
			}
			if !hasKeyPrefix(field, k.Value) {
				continue
			}
			if best == nil || len(k.Value) > len(best.Value) {
				best, bestVal = k, n.Content[i+1]
			}
		}
		if best != nil {
			rest := strings.TrimPrefix(field[len(best.Value):], ".")
			if rest == "" {
				return best.Line
			}
			if line := lineIn(bestVal, rest, depth+1); line > 0 {
				return line
			}
			return best.Line
		}
		for _, m := range merges {
			m = resolveAlias(m)
			if m != nil && m.Kind == yaml.SequenceNode {
				for _, s := range m.Content {
					if line := lineIn(s, field, depth+1); line > 0 {
						return line
					}
				}
			} else if line := lineIn(m, field, depth+1); line > 0 {
				return line
			}
		}
	case yaml.SequenceNode:
		if !strings.HasPrefix(field, "[") {
			return 0
		}
		end := strings.IndexByte(field, ']')
		if end < 0 {
			return 0
		}
		i, err := strconv.Atoi(field[1:end])
		if err != nil || i < 0 || i >= len(n.Content) {
			return 0
		}
		rest := strings.TrimPrefix(field[end+1:], ".")
		if line := lineIn(n.Content[i], rest, depth+1); line > 0 {
			return line
		}
		return n.Content[i].Line
	}
	return 0
}

// hasKeyPrefix reports whether field is key, or key followed by "." or "[".
func hasKeyPrefix(field, key string) bool {
	if !strings.HasPrefix(field, key) {
		return false
	}
	rest := field[len(key):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}
