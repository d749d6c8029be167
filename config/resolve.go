package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// pending stands in the tree for a value that could not be resolved (a
// missing variable, an unreadable $file). It is reported only if it
// survives the merge: a later file may override the key, and then the
// problem does not matter.
type pending struct{ errs []error }

// resolver substitutes ${VAR} and resolves $env, $file and $include in one
// file's tree, before that tree is merged.
type resolver struct {
	getenv    func(string) string
	readFile  func(string) ([]byte, error)
	pos       positions
	including []string // $include chain, to stop cycles
}

// The directives Backstage recognises in a mapping of their own.
var directives = []string{"$env", "$file", "$include"}

// resolve returns v with substitutions applied. path is v's key path and
// file the config file v was read from (relative paths start from its
// directory). Problems that are final whatever the merge does (a directive
// with extra keys, an include cycle) are returned as errors.
func (r *resolver) resolve(v any, path, file string) (any, error) {
	switch v := v.(type) {
	case string:
		s, missing := substitute(v, r.getenv)
		if len(missing) == 0 {
			return s, nil
		}
		p := &pending{}
		for _, name := range missing {
			if name == "" {
				p.errs = append(p.errs, fmt.Errorf("%s: %s: empty variable name in ${}", file, path))
				continue
			}
			p.errs = append(p.errs, fmt.Errorf("%s: %s: environment variable %s is not set", file, path, name))
		}
		return p, nil
	case []any:
		var errs []error
		for i, e := range v {
			var err error
			v[i], err = r.resolve(e, indexPath(path, i), file)
			errs = append(errs, err)
		}
		return v, errors.Join(errs...)
	case map[string]any:
		for _, d := range directives {
			if arg, ok := v[d]; ok {
				if len(v) != 1 {
					return nil, fmt.Errorf("%s: %s: %s must be the only key of its mapping", r.at(path, file), path, d)
				}
				return r.directive(d, arg, path, file)
			}
		}
		var errs []error
		for k, e := range v {
			var err error
			v[k], err = r.resolve(e, joinPath(path, k), file)
			errs = append(errs, err)
		}
		return v, errors.Join(errs...)
	}
	return v, nil
}

// at names the position of path for messages, falling back to the file.
func (r *resolver) at(path, file string) string {
	if p, ok := r.pos[path]; ok {
		return p.String()
	}
	return file
}

func (r *resolver) directive(d string, arg any, path, file string) (any, error) {
	name, ok := arg.(string)
	if !ok || name == "" {
		return nil, fmt.Errorf("%s: %s: %s wants a string, got %s", r.at(path, file), path, d, kindOf(arg))
	}
	switch d {
	case "$env":
		if val := r.getenv(name); val != "" {
			return val, nil
		}
		return &pending{[]error{fmt.Errorf("%s: %s: environment variable %s is not set", file, path, name)}}, nil
	case "$file":
		data, err := r.readFile(relativeTo(file, name))
		if err != nil {
			return &pending{[]error{fmt.Errorf("%s: %s: $file: %w", r.at(path, file), path, err)}}, nil
		}
		return string(data), nil
	}

	// $include: a YAML or JSON file, optionally a dotted path inside it.
	rel, frag, _ := strings.Cut(name, "#")
	full := relativeTo(file, rel)
	switch strings.ToLower(filepath.Ext(full)) {
	case ".yaml", ".yml", ".json":
	default:
		return nil, fmt.Errorf("%s: %s: $include: %s is not a .yaml, .yml or .json file", r.at(path, file), path, rel)
	}
	for _, f := range r.including {
		if f == full {
			return nil, fmt.Errorf("%s: %s: $include: %s includes itself", r.at(path, file), path, full)
		}
	}
	data, err := r.readFile(full)
	if err != nil {
		return &pending{[]error{fmt.Errorf("%s: %s: $include: %w", r.at(path, file), path, err)}}, nil
	}
	ps := positions{}
	v, err := parse(full, data, "", ps)
	if err != nil {
		return nil, err
	}
	if frag != "" {
		m, _ := v.(map[string]any)
		if v, ok = lookup(m, frag); !ok {
			return nil, fmt.Errorf("%s: %s: $include: %s has no key %s", r.at(path, file), path, rel, frag)
		}
	}
	// Re-home the included file's positions under the including key.
	for k, p := range ps {
		if k == frag || frag == "" {
			r.pos[joinPath(path, k)] = p
		} else if rest, ok := strings.CutPrefix(k, frag); ok && (rest[0] == '.' || rest[0] == '[') {
			r.pos[joinPath(path, strings.TrimPrefix(rest, "."))] = p
		}
	}
	r.including = append(r.including, full)
	defer func() { r.including = r.including[:len(r.including)-1] }()
	return r.resolve(v, path, full)
}

// relativeTo resolves name against the directory of the config file.
func relativeTo(file, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(file), name)
}

// substitute replaces each ${NAME} in s with getenv(NAME) and each $${ with
// a literal ${. It returns the names that were unset or empty.
func substitute(s string, getenv func(string) string) (string, []string) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	var missing []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		if i > 0 && s[i-1] == '$' { // $${ is an escaped ${
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			break // no closing brace: literal text, as in Backstage
		}
		name := strings.TrimSpace(s[i+2 : i+2+j])
		val := ""
		if name != "" {
			val = getenv(name)
		}
		if val == "" {
			missing = append(missing, name)
		}
		b.WriteString(s[:i])
		b.WriteString(val)
		s = s[i+2+j+1:]
	}
	b.WriteString(s)
	return b.String(), missing
}

// takePending removes every pending value left in the merged tree (setting
// it to nil) and returns its errors in key order.
func takePending(v any, path string) []error {
	var errs []error
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := v[k].(*pending); ok {
				errs = append(errs, p.errs...)
				v[k] = nil
				continue
			}
			errs = append(errs, takePending(v[k], joinPath(path, k))...)
		}
	case []any:
		for i, e := range v {
			if p, ok := e.(*pending); ok {
				errs = append(errs, p.errs...)
				v[i] = nil
				continue
			}
			errs = append(errs, takePending(e, indexPath(path, i))...)
		}
	}
	return errs
}
