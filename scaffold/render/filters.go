package render

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"callboard"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
)

var (
	envOnce   sync.Once
	envStep   *exec.Environment // ${{ }} templates
	envCompat *exec.Environment // cookiecutter {{ }} templates, which add jsonify
)

// environment returns the shared gonja environment. Filter sets are only read
// after setup, so one environment serves concurrent renders.
func environment(compat bool) *exec.Environment {
	envOnce.Do(func() {
		envStep = newEnvironment(false)
		envCompat = newEnvironment(true)
	})
	if compat {
		return envCompat
	}
	return envStep
}

func newEnvironment(compat bool) *exec.Environment {
	// Copies, so gonja's package-level sets stay untouched.
	filters := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters)
	for name, f := range ourFilters() {
		filters.Replace(name, f)  //nolint:errcheck // Register below covers new names
		filters.Register(name, f) //nolint:errcheck // Replace above covers existing names
	}
	if compat {
		filters.Register("jsonify", filterDump) //nolint:errcheck // new name
	}
	return &exec.Environment{
		Context:           exec.EmptyContext().Update(builtins.GlobalFunctions).Update(builtins.GlobalVariables),
		Filters:           filters,
		Tests:             exec.NewTestSet(map[string]exec.TestFunction{}).Update(builtins.Tests),
		ControlStructures: builtins.ControlStructures,
		Methods:           methods(),
	}
}

// ourFilters are the filters Backstage registers (createDefaultFilters) and
// the Nunjucks built-ins gonja lacks or implements with Python semantics.
func ourFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		filterOut: func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
			return passErr(in, func() *exec.Value { return exec.AsSafeValue(jsString(in)) })
		},
		filterAttr: filterLookup,
		filterItem: filterLookup,

		// Backstage's default filters.
		"parseRepoUrl":   filterParseRepoURL,
		"parseEntityRef": filterParseEntityRef,
		"pick":           filterPick,
		"projectSlug":    filterProjectSlug,

		// Nunjucks built-ins that differ from Jinja's or are missing in gonja.
		"dump": filterDump,
		"join": filterJoin,
		"string": func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
			return passErr(in, func() *exec.Value { return exec.AsValue(jsString(in)) })
		},
		"reverse":   filterReverse,
		"urlencode": filterURLEncode,
		"nl2br": func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
			return passErr(in, func() *exec.Value { return exec.AsValue(strings.ReplaceAll(jsString(in), "\n", "<br />\n")) })
		},
	}
}

// filterURLEncode is Nunjucks's urlencode: encodeURIComponent for a
// string, k=v pairs joined by & for an object.
func filterURLEncode(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if in.IsDict() {
		var parts []string
		for _, k := range in.Keys() {
			v, _ := in.GetItem(k.Interface())
			parts = append(parts, encodeURIComponent(jsString(k))+"="+encodeURIComponent(jsString(v)))
		}
		return exec.AsValue(strings.Join(parts, "&"))
	}
	return exec.AsValue(encodeURIComponent(jsString(in)))
}

// encodeURIComponent escapes everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ).
func encodeURIComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// filterReverse reverses a list or a string; gonja's sorts in descending
// order instead.
func filterReverse(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() || in.IsNil() {
		return in
	}
	if in.IsString() {
		r := []rune(in.String())
		slices.Reverse(r)
		return exec.AsValue(string(r))
	}
	if !in.IsList() {
		return in
	}
	out := make([]any, 0, in.Len())
	in.Iterate(func(_, _ int, item, _ *exec.Value) bool {
		out = append(out, item.Interface())
		return true
	}, func() {})
	slices.Reverse(out)
	return exec.AsValue(out)
}

func passErr(in *exec.Value, f func() *exec.Value) *exec.Value {
	if in.IsError() {
		return in
	}
	return f()
}

func filterLookup(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if len(p.Args) != 1 {
		return exec.AsValue(exec.ErrInvalidCall(callboard.Errorf(callboard.Invalid, "lookup takes one key")))
	}
	return lookup(in, p.Args[0])
}

// filterDump is Nunjucks's dump: JSON.stringify(value, null, spaces).
func filterDump(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	indent := 0
	if len(p.Args) > 0 && p.Args[0].IsNumber() {
		indent = min(p.Args[0].Integer(), 10)
	}
	s, err := jsonString(in, indent)
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(s)
}

// filterJoin is Nunjucks's join(delimiter, attribute): elements printed as
// JavaScript prints them; an undefined list joins to "".
func filterJoin(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if in.IsNil() {
		return exec.AsValue("")
	}
	sep, attr := "", ""
	if len(p.Args) > 0 {
		sep = jsString(p.Args[0])
	} else if d, ok := p.KwArgs["d"]; ok {
		sep = jsString(d)
	}
	if len(p.Args) > 1 {
		attr = jsString(p.Args[1])
	} else if a, ok := p.KwArgs["attribute"]; ok {
		attr = jsString(a)
	}
	if !in.IsList() {
		return exec.AsValue(jsString(in))
	}
	parts := make([]string, 0, in.Len())
	in.Iterate(func(_, _ int, item, _ *exec.Value) bool {
		if attr != "" {
			item = lookup(item, exec.AsValue(attr))
		}
		parts = append(parts, jsString(item))
		return true
	}, func() {})
	return exec.AsValue(strings.Join(parts, sep))
}

// filterParseRepoURL is Backstage's parseRepoUrl: "host?owner=o&repo=r" to
// {host, owner, repo, organization, workspace, project}; absent parts are left
// out. Backstage also checks the host against configured integrations; here
// hosts are checked by the publish actions (allowedHosts).
func filterParseRepoURL(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	r, err := ParseRepoURL(jsString(in))
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(r)
}

// ParseRepoURL parses a RepoUrlPicker value ("github.com?owner=o&repo=r") as
// Backstage's parseRepoUrl does. repo is required; owner is required unless
// the URL names a project or workspace (Azure, Bitbucket).
func ParseRepoURL(s string) (map[string]any, error) {
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host == "" {
		return nil, callboard.Errorf(callboard.Invalid, "invalid repo URL %q: want host?owner=<owner>&repo=<repo>", s)
	}
	q := u.Query()
	out := map[string]any{"host": u.Host}
	for _, k := range []string{"owner", "repo", "organization", "workspace", "project"} {
		if v := q.Get(k); v != "" {
			out[k] = v
		}
	}
	if out["repo"] == nil {
		return nil, callboard.Errorf(callboard.Invalid, "invalid repo URL %q: missing repo", s)
	}
	if out["owner"] == nil && out["project"] == nil && out["workspace"] == nil {
		return nil, callboard.Errorf(callboard.Invalid, "invalid repo URL %q: missing owner", s)
	}
	return out, nil
}

func filterProjectSlug(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	r, err := ParseRepoURL(jsString(in))
	if err != nil {
		return exec.AsValue(err)
	}
	owner, _ := r["owner"].(string)
	return exec.AsValue(owner + "/" + r["repo"].(string))
}

// filterParseEntityRef is Backstage's parseEntityRef(ref, {defaultKind,
// defaultNamespace}): {kind, namespace, name}, kind as written.
func filterParseEntityRef(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var kind, ns string
	if len(p.Args) > 0 {
		opts := p.Args[0]
		kind = jsString(lookup(opts, exec.AsValue("defaultKind")))
		ns = jsString(lookup(opts, exec.AsValue("defaultNamespace")))
	}
	if k, ok := p.KwArgs["defaultKind"]; ok {
		kind = jsString(k)
	}
	if n, ok := p.KwArgs["defaultNamespace"]; ok {
		ns = jsString(n)
	}
	if in.IsDict() {
		// A ref given as {kind, namespace, name}: fill what it lacks.
		name := jsString(lookup(in, exec.AsValue("name")))
		if k := jsString(lookup(in, exec.AsValue("kind"))); k != "" {
			kind = k
		}
		if n := jsString(lookup(in, exec.AsValue("namespace"))); n != "" {
			ns = n
		}
		if name == "" || kind == "" {
			return exec.AsValue(callboard.Errorf(callboard.Invalid, "Entity reference %s had missing or empty kind or name", jsString(in)))
		}
		if ns == "" {
			ns = callboard.DefaultNamespace
		}
		return exec.AsValue(map[string]any{"kind": kind, "namespace": ns, "name": name})
	}
	s := jsString(in)
	if s == "" {
		return exec.AsValue(callboard.Errorf(callboard.Invalid, "Entity reference must not be empty"))
	}
	ref, err := callboard.ParseRef(s, kind, ns)
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(map[string]any{"kind": ref.Kind, "namespace": ref.Namespace, "name": ref.Name})
}

// filterPick is lodash's get(obj, "a.b[0].c"): undefined when any part is missing.
func filterPick(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if len(p.Args) == 0 {
		return exec.AsValue(nil)
	}
	v := in
	for _, part := range pathParts(jsString(p.Args[0])) {
		v = lookup(v, exec.AsValue(part))
		if v.IsNil() {
			break
		}
	}
	return v
}

// pathParts splits a lodash path: a.b[0]["c"] -> a, b, 0, c.
func pathParts(path string) []string {
	var parts []string
	f := func(r rune) bool { return r == '.' || r == '[' || r == ']' }
	for _, p := range strings.FieldsFunc(path, f) {
		parts = append(parts, strings.Trim(p, `"'`))
	}
	return parts
}
