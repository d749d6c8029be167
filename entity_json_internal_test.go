package callboard

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// reference is the entity as encoding/json wrote it before AppendJSON:
// reflection throughout, and the metadata's Extra keys merged through a
// map of raw values.
type reference struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   refMetadata    `json:"metadata"`
	Spec       map[string]any `json:"spec,omitempty"`
	Relations  []Relation     `json:"relations,omitempty"`
	Status     *Status        `json:"status,omitempty"`
}

type refMetadata Metadata

func (m refMetadata) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(metadataFields(m))
	if err != nil || len(m.Extra) == 0 {
		return b, err
	}
	all := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for k, v := range m.Extra {
		if metadataKnown[k] {
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		all[k] = raw
	}
	return json.Marshal(all)
}

func referenceJSON(e *Entity) ([]byte, error) {
	return json.Marshal(reference{e.APIVersion, e.Kind, refMetadata(e.Metadata), e.Spec, e.Relations, e.Status})
}

// checkSameJSON fails unless AppendJSON and json.Marshal (through
// Metadata.MarshalJSON) write the reference's bytes, or all fail.
func checkSameJSON(t *testing.T, e *Entity) {
	t.Helper()
	want, wantErr := referenceJSON(e)
	got, err := e.AppendJSON([]byte("prefix"))
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("AppendJSON error %v, reference error %v", err, wantErr)
	}
	if err == nil && string(got) != "prefix"+string(want) {
		t.Fatalf("AppendJSON:\n got %s\nwant prefix%s", got, want)
	}
	marshaled, err := json.Marshal(e)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("json.Marshal error %v, reference error %v", err, wantErr)
	}
	if err == nil && string(marshaled) != string(want) {
		t.Fatalf("json.Marshal:\n got %s\nwant %s", marshaled, want)
	}
}

// awkward are strings every escaping rule applies to.
var awkward = []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "\x00\x01\b\f\n\r\t\x1f\x7f",
	"caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff\xfe utf-8 \xe2\x82", "line\nbreak", "é<>&"}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range awkward {
		checkSameJSON(t, &Entity{APIVersion: s, Kind: s, Metadata: Metadata{UID: s, Etag: s, Name: s, Namespace: s,
			Title: s, Description: s, Labels: map[string]string{s: s, "b": s}, Annotations: map[string]string{s + "x": s},
			Tags: []string{s, s}, Links: []Link{{URL: s, Title: s, Icon: s, Type: s}, {URL: s}}},
			Spec: map[string]any{s: s, "list": []any{s, nil, true, 1.5}}})
		checkSameJSON(t, &Entity{Kind: "X", Metadata: Metadata{Name: "n", Extra: map[string]any{s: s, "name": "shadowed",
			"zz": map[string]any{s: []any{}}}}})
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 1e-7, 9.999e-7, 123456789, 1e20, 1e21, 1.5e300,
		-2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, 1 << 53, 0.000001234} {
		checkSameJSON(t, &Entity{Kind: "X", Metadata: Metadata{Name: "n"}, Spec: map[string]any{"f": f}})
	}
	checkSameJSON(t, &Entity{})
	checkSameJSON(t, &Entity{Spec: map[string]any{}, Metadata: Metadata{Labels: map[string]string{}, Tags: []string{},
		Links: []Link{}, Extra: map[string]any{}}})
	checkSameJSON(t, &Entity{Spec: map[string]any{"nilmap": map[string]any(nil), "nillist": []any(nil), "empty": []any{},
		"typed": []string{"a"}, "int": 3, "nested": map[string]any{"a": map[string]any{"b": []any{map[string]any{}}}}}})
	checkSameJSON(t, &Entity{Kind: "X", Relations: []Relation{{Type: "ownedBy", TargetRef: "group:default/<a>"}},
		Status: &Status{Items: []StatusItem{{Type: StatusProcessing, Level: "error", Message: "m & m",
			Error: &SerializedError{Name: "InputError", Message: "m"}}}}})
	// encoding/json refuses these; so must AppendJSON.
	for _, v := range []any{math.NaN(), math.Inf(1), map[string]any{"x": math.Inf(-1)}, func() {}} {
		checkSameJSON(t, &Entity{Spec: map[string]any{"bad": v}})
		checkSameJSON(t, &Entity{Metadata: Metadata{Extra: map[string]any{"bad": v}}})
	}
}

func TestAppendJSONRandomEntities(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		checkSameJSON(t, randomEntity(r))
	}
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, s+"k", 1.5, uint64(7))
	}
	f.Fuzz(func(t *testing.T, s, k string, x float64, seed uint64) {
		e := randomEntity(rand.New(rand.NewPCG(seed, 0)))
		e.Metadata.Name, e.Metadata.Description = s, k
		e.Spec = map[string]any{k: s, s: x, "list": []any{k, x}}
		e.Metadata.Extra = map[string]any{k: s}
		checkSameJSON(t, e)
	})
}

func randomEntity(r *rand.Rand) *Entity {
	str := func() string {
		if r.IntN(3) == 0 {
			return awkward[r.IntN(len(awkward))]
		}
		var b strings.Builder
		const chars = "abc-/_.:<>&\"\\\n é" // é's bytes may come apart: invalid UTF-8
		for range r.IntN(12) {
			b.WriteByte(chars[r.IntN(len(chars))])
		}
		return b.String()
	}
	strMap := func() map[string]string {
		if r.IntN(3) == 0 {
			return nil
		}
		m := map[string]string{}
		for range r.IntN(5) {
			m[str()] = str()
		}
		return m
	}
	var value func(depth int) any
	value = func(depth int) any {
		switch n := r.IntN(8); {
		case n == 0:
			return nil
		case n == 1:
			return r.IntN(2) == 0
		case n == 2:
			return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(60)-30))
		case n < 5 || depth > 3:
			return str()
		case n == 5:
			l := []any{}
			for range r.IntN(4) {
				l = append(l, value(depth+1))
			}
			return l
		default:
			m := map[string]any{}
			for range r.IntN(4) {
				m[str()] = value(depth + 1)
			}
			return m
		}
	}
	e := &Entity{APIVersion: str(), Kind: str(), Metadata: Metadata{Name: str(), Namespace: str(), Title: str(),
		Labels: strMap(), Annotations: strMap()}}
	if r.IntN(2) == 0 {
		e.Metadata.UID, e.Metadata.Etag = str(), str()
	}
	for range r.IntN(3) {
		e.Metadata.Tags = append(e.Metadata.Tags, str())
		e.Metadata.Links = append(e.Metadata.Links, Link{URL: str(), Title: str()})
	}
	if r.IntN(3) == 0 {
		e.Metadata.Extra = map[string]any{str(): value(0), "title": "known"}
	}
	if r.IntN(4) > 0 {
		e.Spec = map[string]any{}
		for range r.IntN(6) {
			e.Spec[str()] = value(0)
		}
	}
	return e
}
