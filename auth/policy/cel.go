package policy

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
)

// celCostLimit bounds the work of one expression, so that a careless
// comprehension over a large entity cannot stall requests.
const celCostLimit = 100_000

// celEnv declares what a rule's `when` expression may read: the user, the
// permission, the time and, for rules that never filter lists, the entity.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("user", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("permission", cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable("entity", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("now", cel.TimestampType),
	)
})

// When is a compiled CEL condition of a rule.
type When struct {
	Source     string
	UsesEntity bool // reads `entity`: decided per entity only, never in a list filter
	prg        cel.Program
}

// compileWhen compiles a boolean CEL expression; the error is the
// compiler's message, which points into the expression.
func compileWhen(src string) (*When, error) {
	env, err := celEnv()
	if err != nil {
		return nil, err
	}
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	if ast.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("the expression gives %s; it must give a bool", ast.OutputType())
	}
	w := &When{Source: src}
	for _, ref := range ast.NativeRep().ReferenceMap() {
		if ref.Name == "entity" {
			w.UsesEntity = true
		}
	}
	if w.prg, err = env.Program(ast, cel.CostLimit(celCostLimit)); err != nil {
		return nil, err
	}
	return w, nil
}

// eval runs the expression. e may be nil only when !w.UsesEntity.
func (w *When) eval(in celInput) (bool, error) {
	out, _, err := w.prg.Eval(map[string]any{
		"user": in.user, "permission": in.perm, "entity": in.entity, "now": in.now,
	})
	if err != nil {
		return false, fmt.Errorf("when %q: %v", w.Source, err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("when %q gave %v, not a bool", w.Source, out.Value())
	}
	return b, nil
}

// celInput holds the variables of one decision, built once per decision.
type celInput struct {
	user   map[string]any
	perm   map[string]string
	entity map[string]any
	now    time.Time
}

// entityMap is e as its JSON object, as policy authors see it in the API.
func entityMap(e any) map[string]any {
	b, err := json.Marshal(e)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return map[string]any{}
	}
	return m
}

func userMap(ref string, groups []string, email string, service bool) map[string]any {
	gs := make([]string, len(groups))
	for i, g := range groups {
		gs[i] = strings.ToLower(g)
	}
	return map[string]any{
		"ref": strings.ToLower(ref), "groups": gs, "email": strings.ToLower(email),
		"isService": service, "authenticated": ref != "",
	}
}
