// Package policy is callboard's permission policy as data: an ordered list
// of rules read from a YAML file, each deciding allow or deny for the
// permissions it names when its conditions on the user and on the entity
// hold. The first matching rule wins; when none matches, the answer is deny.
//
// A Policy answers single decisions (Authorize) and turns the rules of a
// resource permission into an entity predicate (EntityFilter) that list
// queries apply inside the query. Entity conditions are therefore limited to
// what a predicate can say: owner, kind, namespace, lifecycle, type, tags,
// labels, annotations, spec fields, and allOf/anyOf/not of those. Conditions
// on the user are evaluated when the request arrives.
//
// A Watcher reloads the file when it changes and keeps the previous policy
// when the new file has an error.
package policy

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"callboard"
)

// Policy is a parsed policy file. It is immutable and safe for concurrent use.
type Policy struct {
	File  string // the file it was read from, for messages
	Rules []*Rule
	// perms maps each permission the policy was parsed against (the
	// built-in ones and the plugins' of Parse's extra) to its resource
	// type; nil means callboard.Permissions.
	perms map[string]string
}

// Rule is one rule of a policy.
type Rule struct {
	Name         string
	Permissions  []string // names or globs such as "catalog.entity.*"
	ResourceType []string // resource types such as "catalog-entity"
	Allow        bool
	User         *UserCond    // nil: any user
	Entity       *EntityCond  // nil: any entity, or none
	Task         *CreatorCond // nil: any task, or none
	Location     *CreatorCond // nil: any location, or none
	When         *When        // a CEL condition; nil: none
	Line         int          // line of the rule in its file
}

// Load reads and parses a policy file; extra are the plugins'
// permissions, known besides the built-in ones (see Parse).
func Load(file string, extra ...callboard.Permission) (*Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "read policy file")
	}
	return Parse(file, data, extra...)
}

// knownPermissions is callboard.Permissions plus extra, name to resource
// type.
func knownPermissions(extra []callboard.Permission) map[string]string {
	if len(extra) == 0 {
		return callboard.Permissions
	}
	known := make(map[string]string, len(callboard.Permissions)+len(extra))
	for name, typ := range callboard.Permissions {
		known[name] = typ
	}
	for _, p := range extra {
		known[p.Name] = p.ResourceType
	}
	return known
}

// resourceType returns perm's resource type, "" for an unknown one.
func (pol *Policy) resourceType(perm string) string {
	if pol.perms == nil {
		return callboard.Permissions[perm]
	}
	return pol.perms[perm]
}

// label names a rule in messages: its name, or its file and line.
func (r *Rule) label(file string) string {
	if r.Name != "" {
		return fmt.Sprintf("%q (%s:%d)", r.Name, file, r.Line)
	}
	return fmt.Sprintf("%s:%d", file, r.Line)
}

// appliesTo reports whether r names perm, whose resource type is typ, by
// name or glob and by resource type; a rule that lists both needs both to
// match.
func (r *Rule) appliesTo(perm, typ string) bool {
	if len(r.Permissions) > 0 && !slices.ContainsFunc(r.Permissions, func(g string) bool {
		ok, _ := path.Match(g, perm)
		return ok
	}) {
		return false
	}
	if len(r.ResourceType) > 0 && !slices.Contains(r.ResourceType, typ) {
		return false
	}
	return true
}

// Decision is the outcome of one decision with the rule that made it.
type Decision struct {
	Allow bool
	Rule  *Rule // nil: no rule matched (deny)
}

// decider evaluates rules for one principal and permission, building the
// CEL variables once.
type decider struct {
	p    callboard.Principal
	perm string
	typ  string // perm's resource type
	in   *celInput
}

// userMatch reports whether r's user conditions, and its CEL condition
// when it does not read the entity, hold.
func (d *decider) userMatch(r *Rule) (bool, error) {
	if !r.appliesTo(d.perm, d.typ) || !r.User.match(d.p) {
		return false, nil
	}
	if r.When == nil || r.When.UsesEntity {
		return true, nil
	}
	return r.When.eval(*d.input())
}

func (d *decider) input() *celInput {
	if d.in == nil {
		d.in = &celInput{
			user: userMap(d.p.Subject, d.p.Ownership, d.p.Email, d.p.Service),
			perm: map[string]string{"name": d.perm, "resourceType": d.typ},
			now:  time.Now(),
		}
	}
	return d.in
}

// Decide returns the decision for p holding perm on e (nil for none), with
// the rule that made it. An error (a CEL condition that failed) means no
// decision: callers deny.
func (pol *Policy) Decide(p callboard.Principal, perm string, e *callboard.Entity) (Decision, error) {
	d := &decider{p: p, perm: perm, typ: pol.resourceType(perm)}
	for _, r := range pol.Rules {
		ok, err := d.userMatch(r)
		if err != nil {
			return Decision{}, ruleError(pol, r, err)
		}
		if !ok || r.onCreated() {
			continue
		}
		if (r.Entity != nil || (r.When != nil && r.When.UsesEntity)) && e == nil {
			continue
		}
		if r.Entity != nil && !r.Entity.match(p, e) {
			continue
		}
		if r.When != nil && r.When.UsesEntity {
			in := *d.input()
			in.entity = entityMap(e)
			if ok, err := r.When.eval(in); err != nil {
				return Decision{}, ruleError(pol, r, err)
			} else if !ok {
				continue
			}
		}
		return Decision{Allow: r.Allow, Rule: r}, nil
	}
	return Decision{}, nil
}

func ruleError(pol *Policy, r *Rule, err error) error {
	return callboard.Wrap(callboard.Internal, err, "permission policy rule %s", r.label(pol.File))
}

// Authorize implements callboard.Authorizer.
func (pol *Policy) Authorize(_ context.Context, p callboard.Principal, perm string, e *callboard.Entity) (bool, error) {
	d, err := pol.Decide(p, perm, e)
	return d.Allow, err
}

// EntityFilter implements callboard.Authorizer: the rules that apply to p
// and perm, in order, become "allowed by rule i and matched by no earlier
// rule", ORed together. An unconditional rule ends the list. A rule whose
// CEL condition reads the entity cannot be a filter: meeting one is an
// error (Parse refuses them for catalog.entity.read).
func (pol *Policy) EntityFilter(_ context.Context, p callboard.Principal, perm string) (callboard.EntityCondition, error) {
	d := &decider{p: p, perm: perm, typ: pol.resourceType(perm)}
	var allowed []any
	var earlier []any // entity predicates of earlier conditional rules, negated
	for _, r := range pol.Rules {
		ok, err := d.userMatch(r)
		if err != nil {
			return callboard.EntityCondition{}, ruleError(pol, r, err)
		}
		if !ok || r.onCreated() {
			continue
		}
		if r.When != nil && r.When.UsesEntity {
			return callboard.EntityCondition{}, callboard.Errorf(callboard.Internal,
				"permission policy rule %s reads entity in its when expression, so it cannot filter lists for %s", r.label(pol.File), perm)
		}
		if r.Entity == nil {
			if r.Allow {
				if len(earlier) == 0 {
					return callboard.EntityCondition{All: true}, nil
				}
				allowed = append(allowed, map[string]any{"$all": slices.Clone(earlier)})
			}
			break
		}
		cond := r.Entity.predicate(p)
		if r.Allow {
			allowed = append(allowed, map[string]any{"$all": append(slices.Clone(earlier), cond)})
		}
		earlier = append(earlier, map[string]any{"$not": cond})
	}
	if len(allowed) == 0 {
		return callboard.EntityCondition{}, nil
	}
	return callboard.EntityCondition{Predicate: map[string]any{"$any": allowed}}, nil
}

// onCreated reports whether r has conditions on a task or location: it
// is decided by DecideCreated only, never on an entity or on nothing.
func (r *Rule) onCreated() bool { return r.Task != nil || r.Location != nil }

// refsEqual compares entity refs as the catalog does: case-insensitively.
func refsEqual(a, b string) bool { return strings.EqualFold(a, b) }
