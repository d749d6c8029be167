package policy

import (
	"context"

	"callboard"
)

// CreatorCond is a condition on who created a resource that is no entity,
// for the permissions decided by creator (callboard.ByCreator): a task's
// (`task: {isTaskOwner: true}`, Backstage's isTaskOwner rule with the
// caller as createdBy) or a location's (`location: {isLocationCreator:
// true}`). Creators compare exactly, as Backstage's rule and the task
// list's filter do.
type CreatorCond struct {
	IsCreator *bool // created (true) or not created (false) by the caller
}

// match reports whether the resource createdBy created meets c for p.
// Nobody is the creator of a resource of unknown creator, and an
// anonymous caller created nothing.
func (c *CreatorCond) match(p callboard.Principal, createdBy string) bool {
	if c.IsCreator == nil {
		return true
	}
	mine := createdBy != "" && !p.Anonymous() && createdBy == p.Subject
	return mine == *c.IsCreator
}

// creatorCond returns r's condition on resources of perm's type, and
// whether r has one for another type: such a rule never matches perm.
func (r *Rule) creatorCond(perm string) (c *CreatorCond, other bool) {
	switch callboard.Permissions[perm] {
	case resourceTask:
		return r.Task, r.Location != nil
	case resourceLocation:
		return r.Location, r.Task != nil
	}
	return nil, r.Task != nil || r.Location != nil
}

const (
	resourceTask     = "scaffolder-task"
	resourceLocation = "catalog-location"
)

// DecideCreated returns the decision for p holding perm on the task or
// location createdBy created ("" when unknown), with the rule that made
// it. Rules with entity conditions, or whose when reads the entity, do
// not match. An error (a CEL condition that failed) means no decision.
func (pol *Policy) DecideCreated(p callboard.Principal, perm, createdBy string) (Decision, error) {
	d := &decider{p: p, perm: perm, typ: pol.resourceType(perm)}
	for _, r := range pol.Rules {
		ok, err := d.userMatch(r)
		if err != nil {
			return Decision{}, ruleError(pol, r, err)
		}
		if !ok || r.Entity != nil || (r.When != nil && r.When.UsesEntity) {
			continue
		}
		c, other := r.creatorCond(perm)
		if other || (c != nil && (!callboard.ByCreator[perm] || !c.match(p, createdBy))) {
			continue
		}
		return Decision{Allow: r.Allow, Rule: r}, nil
	}
	return Decision{}, nil
}

// AuthorizeCreated implements callboard.Authorizer.
func (pol *Policy) AuthorizeCreated(_ context.Context, p callboard.Principal, perm, createdBy string) (bool, error) {
	d, err := pol.DecideCreated(p, perm, createdBy)
	return d.Allow, err
}

// CreatorFilter implements callboard.Authorizer. The only condition on
// creators is "the caller created it", so two decisions settle a list:
// one on a resource of the caller's, one on anyone else's.
func (pol *Policy) CreatorFilter(_ context.Context, p callboard.Principal, perm string) (own, others bool, err error) {
	d, err := pol.DecideCreated(p, perm, "")
	if err != nil {
		return false, false, err
	}
	others = d.Allow
	if p.Anonymous() {
		return others, others, nil // an anonymous caller created nothing
	}
	if d, err = pol.DecideCreated(p, perm, p.Subject); err != nil {
		return false, false, err
	}
	return d.Allow, others, nil
}
