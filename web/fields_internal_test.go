package web

import (
	"encoding/json"
	"testing"
)

// walk is how projections were computed before project: decode each
// object into a map and json.Marshal what is kept. FuzzProject holds
// project to its output.
// walk returns the kept members of the JSON object raw, whose own path is
// prefix; nil when raw is not an object or keeps nothing.
func (p *projection) walk(raw json.RawMessage, prefix string) map[string]any {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	var out map[string]any
	keep := func(k string, v any) {
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	for k, v := range obj {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		switch {
		case p.want[path]:
			keep(k, v)
		case p.through[path]:
			if sub := p.walk(v, path); sub != nil {
				keep(k, sub)
			}
		}
	}
	return out
}

func walkMarshal(p *projection, raw []byte) string {
	kept := p.walk(raw, "")
	if kept == nil {
		kept = map[string]any{}
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return "error"
	}
	return string(b)
}

var projectSeeds = []string{
	`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a","namespace":"default","annotations":{"backstage.io/techdocs-ref":"dir:.","a.b":"c"},"tags":["x","y"]},"spec":{"type":"service","owner":"team-a"},"relations":[{"type":"ownedBy","targetRef":"group:default/team-a"}]}`,
	`{ "kind" : "API" , "metadata" : { "name" : "x y", "title": "<b>&amp;</b>\u2028", "description": "line\nbreak \"quoted\"" }, "spec": {"type": null, "n": 1.5e3, "ok": true, "list": [1, {"a": "b"}, []]} }`,
	`{"kind":"A","kind":"B","metadata":{"name":"first"},"metadata":{"name":"second"}}`,
	`{"metadata":{"annotations":{"k\u002ey":"escaped key","支付":"中文"}},"spec":"not an object"}`,
	`{"metadata":null,"spec":{}}`,
	`[1,2]`, `{}`, `{"a":}`, `{"a":"unterminated}`, `  {"kind":"x"}  `,
}

var projectFields = [][]string{
	{"metadata.name,spec.type"}, {"kind", "metadata.annotations.a.b"}, {"metadata"}, {"spec.list", "metadata.title,metadata.description"},
	{"metadata.annotations.k.y", "metadata.annotations.支付"}, {"spec.n,spec.ok,spec.type"}, {"nothing.here"}, {"kind,metadata.name"},
}

func TestProjectMatchesWalk(t *testing.T) {
	for _, raw := range projectSeeds {
		for _, fields := range projectFields {
			checkProject(t, raw, fields)
		}
	}
}

func FuzzProject(f *testing.F) {
	for i, raw := range projectSeeds {
		f.Add(raw, projectFields[i%len(projectFields)][0])
	}
	f.Fuzz(func(t *testing.T, raw, fields string) {
		if !json.Valid([]byte(raw)) {
			return // served entities are valid JSON; project need not validate
		}
		checkProject(t, raw, []string{fields})
	})
}

func checkProject(t *testing.T, raw string, fields []string) {
	t.Helper()
	p, err := parseFields(fields)
	if err != nil || p == nil {
		return
	}
	want := walkMarshal(p, []byte(raw))
	got := string(p.raws([]json.RawMessage{json.RawMessage(raw)})[0])
	if got != want {
		t.Errorf("fields %q of %s:\n got %s\nwant %s", fields, raw, got, want)
	}
}
