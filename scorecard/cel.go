package scorecard

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"

	"callboard"
)

// CostLimit bounds the work of one check, so that a careless
// comprehension over a large entity cannot stall an evaluation.
const CostLimit = 100_000

// celEnv declares what a check may read: the entity as its JSON object,
// the facts about it and the time of the evaluation.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("entity", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("facts", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("now", cel.TimestampType),
		ext.Strings(),
	)
})

// expr is a compiled check, or why it does not compile.
type expr struct {
	prg cel.Program
	err error
}

// compile compiles a check's expression; a result other than a bool (or
// dyn, decided when it runs) is an error.
func compile(src string) *expr {
	env, err := celEnv()
	if err != nil {
		return &expr{err: err}
	}
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		return &expr{err: fmt.Errorf("%s", strings.TrimSpace(iss.Err().Error()))}
	}
	if t := ast.OutputType(); t != cel.BoolType && t != cel.DynType {
		return &expr{err: fmt.Errorf("the expression gives %s; it must give a bool", t)}
	}
	prg, err := env.Program(ast, cel.CostLimit(CostLimit))
	if err != nil {
		return &expr{err: err}
	}
	return &expr{prg: prg}
}

// eval runs the expression: whether it holds, and if not why, when the
// reason is more than "it is false".
func (x *expr) eval(in input) (bool, string) {
	if x == nil {
		return false, "the check has no expression"
	}
	if x.err != nil {
		return false, "the expression does not compile: " + x.err.Error()
	}
	out, _, err := x.prg.Eval(map[string]any{"entity": in.entity, "facts": in.facts, "now": in.now})
	if err != nil {
		msg := err.Error()
		if strings.HasPrefix(msg, "no such key") {
			return false, "missing: " + strings.TrimPrefix(strings.TrimPrefix(msg, "no such key"), ": ")
		}
		return false, "cannot evaluate: " + msg
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Sprintf("the expression gave %v, not a bool", out.Value())
	}
	return b, ""
}

// input is the variables of one entity's evaluation, built once for all
// its scorecards.
type input struct {
	ref    string
	entity map[string]any
	facts  map[string]any
	now    time.Time
}

func newInput(e *callboard.Entity, facts []callboard.Fact, now time.Time) input {
	return input{ref: e.Ref().String(), entity: entityMap(e), facts: FactMap(facts), now: now}
}

// entityMap is e as its JSON object, as authors see it in the API, with
// the maps and lists checks read most (annotations, labels, links, tags,
// spec) present even when empty, so that `'x' in entity.metadata.annotations`
// needs no has() first.
func entityMap(e *callboard.Entity) map[string]any {
	m := map[string]any{}
	if b, err := json.Marshal(e); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	md, _ := m["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		m["metadata"] = md
	}
	for _, k := range []string{"annotations", "labels"} {
		if _, ok := md[k].(map[string]any); !ok {
			md[k] = map[string]any{}
		}
	}
	for _, k := range []string{"links", "tags"} {
		if _, ok := md[k].([]any); !ok {
			md[k] = []any{}
		}
	}
	if _, ok := m["spec"].(map[string]any); !ok {
		m["spec"] = map[string]any{}
	}
	return m
}

// FactMap arranges facts as checks read them: each source's facts under
// its ID, dotted keys as nested maps (facts.kubernetes.drifted,
// facts.docs.ageDays); the catalog's own facts (source "catalog") at the
// top (facts.owner.members, facts.api.definitionValid). A key that is
// both a value and a prefix keeps the value.
func FactMap(facts []callboard.Fact) map[string]any {
	out := map[string]any{}
	for _, f := range facts {
		root := out
		if f.Source != CatalogSource {
			sub, ok := out[f.Source].(map[string]any)
			if !ok {
				if _, taken := out[f.Source]; taken {
					continue
				}
				sub = map[string]any{}
				out[f.Source] = sub
			}
			root = sub
		}
		put(root, strings.Split(f.Key, "."), f.Value)
	}
	return out
}

func put(m map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			if _, taken := m[p]; taken {
				return
			}
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	last := path[len(path)-1]
	if _, isMap := m[last].(map[string]any); isMap {
		return
	}
	m[last] = v
}

// CatalogSource is the source of the facts the portal computes from the
// catalog itself; checks read them at the top of facts.
const CatalogSource = "catalog"
