package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The merged configuration is a plain tree of map[string]any, []any and
// scalars (string, int, float64, bool, nil). Where each value came from is
// kept aside in positions, keyed by dotted path ("backend.listen.port",
// "catalog.locations[0].target"), so errors can name file and line.

type pos struct {
	file string
	line int
}

func (p pos) String() string {
	if p.line > 0 {
		return p.file + ":" + strconv.Itoa(p.line)
	}
	return p.file
}

type positions map[string]pos

// near returns the position of path, or of its nearest ancestor with one.
func (ps positions) near(path string) (pos, bool) {
	for path != "" {
		if p, ok := ps[path]; ok {
			return p, true
		}
		path = parentPath(path)
	}
	return pos{}, false
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func joinPath(parent, key string) string {
	if parent == "" || strings.HasPrefix(key, "[") {
		return parent + key
	}
	if key == "" {
		return parent
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse turns YAML (or JSON) data into a tree, recording the position of
// every key and list item under prefix in ps. An empty document is nil.
func parse(file string, data []byte, prefix string, ps positions) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", file, m[1], m[2])
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	p := parser{file: file, pos: ps}
	v := p.node(doc.Content[0], prefix)
	return v, errors.Join(p.errs...)
}

type parser struct {
	file string
	pos  positions
	errs []error
}

func (p *parser) errorf(n *yaml.Node, path, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s: %s", p.file, n.Line, path, fmt.Sprintf(format, args...)))
}

func (p *parser) node(n *yaml.Node, path string) any {
	switch n.Kind {
	case yaml.AliasNode:
		return p.node(n.Alias, path)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		var merged []map[string]any // from "<<: *anchor", lower precedence
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				switch x := p.node(v, path).(type) {
				case map[string]any:
					merged = append(merged, x)
				case []any:
					for _, e := range x {
						if em, ok := e.(map[string]any); ok {
							merged = append(merged, em)
						}
					}
				}
				continue
			}
			if k.Kind != yaml.ScalarNode {
				p.errorf(k, path, "a key must be a string")
				continue
			}
			kp := joinPath(path, k.Value)
			if _, dup := m[k.Value]; dup {
				p.errorf(k, kp, "duplicate key")
				continue
			}
			p.pos[kp] = pos{p.file, k.Line}
			m[k.Value] = p.node(v, kp)
		}
		for _, mm := range merged {
			for k, v := range mm {
				if _, ok := m[k]; !ok {
					m[k] = v
				}
			}
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, e := range n.Content {
			ip := indexPath(path, i)
			p.pos[ip] = pos{p.file, e.Line}
			l[i] = p.node(e, ip)
		}
		return l
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			p.errorf(n, path, "%v", err)
		}
		return v
	}
	return nil
}

// merge deep-merges src over dst and returns the result: mappings merge key
// by key, anything else in src replaces dst. dst may be modified.
func merge(dst, src any) any {
	dm, ok1 := dst.(map[string]any)
	sm, ok2 := src.(map[string]any)
	if !ok1 || !ok2 {
		return src
	}
	for k, v := range sm {
		if old, ok := dm[k]; ok {
			dm[k] = merge(old, v)
		} else {
			dm[k] = v
		}
	}
	return dm
}

var indexSeg = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

// lookup finds a dotted path ("a.b", "a.list[0].c") in a tree.
func lookup(tree map[string]any, path string) (any, bool) {
	var v any = tree
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		var idx []int
		for {
			m := indexSeg.FindStringSubmatch(seg)
			if m == nil {
				break
			}
			i, _ := strconv.Atoi(m[2])
			idx = append([]int{i}, idx...)
			seg = m[1]
		}
		if seg != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[seg]; !ok {
				return nil, false
			}
		}
		for _, i := range idx {
			l, ok := v.([]any)
			if !ok || i >= len(l) {
				return nil, false
			}
			v = l[i]
		}
	}
	return v, true
}

// kindOf names the YAML kind of a tree value for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}
