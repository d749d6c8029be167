package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// gonja's Python-style method names, copied by name because a MethodSet
// cannot be listed.
var (
	pyStrMethods = []string{"capitalize", "capwords", "casefold", "center", "count", "encode", "endswith",
		"expandtabs", "find", "format", "format_map", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
		"islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip",
		"partition", "removeprefix", "removesuffix", "rfind", "rjust", "rpartition", "rsplit", "rstrip",
		"split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill"}
	pyListMethods = []string{"append", "reverse", "copy"}
)

// methods returns gonja's methods plus the JavaScript string and array
// methods Nunjucks templates call (Nunjucks evaluates member calls in
// JavaScript): name.startsWith('x'), list.join(','), list.includes(x).
func methods() exec.Methods {
	str := map[string]exec.Method[string]{}
	for _, n := range pyStrMethods {
		if m, ok := builtins.Methods.Str.Get(n); ok {
			str[n] = m
		}
	}
	for n, m := range jsStrMethods {
		str[n] = m
	}
	list := map[string]exec.Method[[]any]{}
	for _, n := range pyListMethods {
		if m, ok := builtins.Methods.List.Get(n); ok {
			list[n] = m
		}
	}
	for n, m := range jsListMethods {
		list[n] = m
	}
	all := builtins.Methods
	all.Str = exec.NewMethodSet(str)
	all.List = exec.NewMethodSet(list)
	return all
}

func strArg(a *exec.VarArgs, i int) string {
	if i < len(a.Args) {
		return jsString(a.Args[i])
	}
	return ""
}

func intArg(a *exec.VarArgs, i, def int) int {
	if i < len(a.Args) && a.Args[i].IsNumber() {
		return a.Args[i].Integer()
	}
	return def
}

// jsIndex resolves a JavaScript slice index (negative counts from the end).
func jsIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return min(max(i, 0), n)
}

var jsStrMethods = map[string]exec.Method[string]{
	"startsWith": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		return strings.HasPrefix(s, strArg(a, 0)), nil
	},
	"endsWith": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		return strings.HasSuffix(s, strArg(a, 0)), nil
	},
	"includes": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		return strings.Contains(s, strArg(a, 0)), nil
	},
	"indexOf": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		return strings.Index(s, strArg(a, 0)), nil
	},
	"toUpperCase": func(s string, _ *exec.Value, _ *exec.VarArgs) (any, error) { return strings.ToUpper(s), nil },
	"toLowerCase": func(s string, _ *exec.Value, _ *exec.VarArgs) (any, error) { return strings.ToLower(s), nil },
	"trim":        func(s string, _ *exec.Value, _ *exec.VarArgs) (any, error) { return strings.TrimSpace(s), nil },
	"trimStart": func(s string, _ *exec.Value, _ *exec.VarArgs) (any, error) {
		return strings.TrimLeft(s, " \t\r\n"), nil
	},
	"trimEnd": func(s string, _ *exec.Value, _ *exec.VarArgs) (any, error) {
		return strings.TrimRight(s, " \t\r\n"), nil
	},
	"replaceAll": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		return strings.ReplaceAll(s, strArg(a, 0), strArg(a, 1)), nil
	},
	// replace takes Python's optional count (all occurrences by default),
	// which is what templates mean; JavaScript would replace the first only.
	"replace": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		if len(a.Args) < 2 {
			return nil, fmt.Errorf("replace needs the old and the new text")
		}
		return strings.Replace(s, strArg(a, 0), strArg(a, 1), intArg(a, 2, -1)), nil
	},
	"padStart": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) { return pad(s, a, true), nil },
	"padEnd":   func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) { return pad(s, a, false), nil },
	"charAt": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		r := []rune(s)
		if i := intArg(a, 0, 0); i >= 0 && i < len(r) {
			return string(r[i]), nil
		}
		return "", nil
	},
	"slice": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		r := []rune(s)
		start, end := jsIndex(intArg(a, 0, 0), len(r)), jsIndex(intArg(a, 1, len(r)), len(r))
		if start >= end {
			return "", nil
		}
		return string(r[start:end]), nil
	},
	"substring": func(s string, _ *exec.Value, a *exec.VarArgs) (any, error) {
		r := []rune(s)
		start, end := min(max(intArg(a, 0, 0), 0), len(r)), min(max(intArg(a, 1, len(r)), 0), len(r))
		if start > end {
			start, end = end, start
		}
		return string(r[start:end]), nil
	},
}

func pad(s string, a *exec.VarArgs, start bool) string {
	n, fill := intArg(a, 0, 0), " "
	if len(a.Args) > 1 {
		fill = strArg(a, 1)
	}
	missing := n - len([]rune(s))
	if missing <= 0 || fill == "" {
		return s
	}
	p := []rune(strings.Repeat(fill, missing/len([]rune(fill))+1))[:missing]
	if start {
		return string(p) + s
	}
	return s + string(p)
}

var jsListMethods = map[string]exec.Method[[]any]{
	"join": func(l []any, _ *exec.Value, a *exec.VarArgs) (any, error) {
		sep := ","
		if len(a.Args) > 0 {
			sep = strArg(a, 0)
		}
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = jsString(exec.AsValue(x))
		}
		return strings.Join(parts, sep), nil
	},
	"includes": func(l []any, _ *exec.Value, a *exec.VarArgs) (any, error) {
		return slices.ContainsFunc(l, func(x any) bool { return len(a.Args) > 0 && exec.AsValue(x).EqualValueTo(a.Args[0]) }), nil
	},
	"indexOf": func(l []any, _ *exec.Value, a *exec.VarArgs) (any, error) {
		return slices.IndexFunc(l, func(x any) bool { return len(a.Args) > 0 && exec.AsValue(x).EqualValueTo(a.Args[0]) }), nil
	},
	"concat": func(l []any, _ *exec.Value, a *exec.VarArgs) (any, error) {
		out := slices.Clone(l)
		for _, x := range a.Args {
			if g, ok := goValue(x).([]any); ok {
				out = append(out, g...)
			} else {
				out = append(out, goValue(x))
			}
		}
		return out, nil
	},
	"slice": func(l []any, _ *exec.Value, a *exec.VarArgs) (any, error) {
		start, end := jsIndex(intArg(a, 0, 0), len(l)), jsIndex(intArg(a, 1, len(l)), len(l))
		if start >= end {
			return []any{}, nil
		}
		return slices.Clone(l[start:end]), nil
	},
}
