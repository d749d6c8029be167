package policy_test

import (
	"strings"
	"testing"

	"callboard"
	"callboard/auth/policy"
)

// creatorPolicy is a policy file using Backstage's isTaskOwner as data:
// bob reads nobody's tasks, the others read their own, ops reads all;
// cancelling is for the task's creator; CI may not move locations, their
// creators may.
const creatorPolicy = `
rules:
  - name: ops reads every task
    permission: scaffolder.task.read
    user: { groups: [ops] }
    decision: allow
  - name: bob reads no task
    permission: scaffolder.task.*
    user: { ref: bob }
    decision: deny
  - name: a task's creator reads and cancels it
    permission: [scaffolder.task.read, scaffolder.task.cancel]
    task: { isTaskOwner: true }
    decision: allow
  - name: CI moves no location
    permission: catalog.location.update
    user: { isService: true }
    decision: deny
  - name: a location's creator moves it
    resourceType: catalog-location
    location: { isLocationCreator: true }
    decision: allow
  - name: everyone reads the catalog
    permission: catalog.entity.read
    decision: allow
`

func TestDecideCreated(t *testing.T) {
	pol := mustParse(t, creatorPolicy)
	ops := callboard.Principal{Subject: "user:default/olga", Ownership: []string{"user:default/olga", "group:default/ops"}}
	tests := []struct {
		name      string
		p         callboard.Principal
		perm      string
		createdBy string
		want      bool
		rule      string
	}{
		{"jane reads her task", jane, callboard.PermTaskRead, "user:default/jane", true, "a task's creator reads and cancels it"},
		{"jane cancels her task", jane, callboard.PermTaskCancel, "user:default/jane", true, "a task's creator reads and cancels it"},
		{"jane reads not bob's task", jane, callboard.PermTaskRead, "user:default/bob", false, ""},
		{"creators compare exactly", jane, callboard.PermTaskRead, "user:default/Jane", false, ""},
		{"a task of nobody known is nobody's", jane, callboard.PermTaskRead, "", false, ""},
		{"anonymous owns no anonymous task", anonymous, callboard.PermTaskRead, "", false, ""},
		{"bob reads not even his own", bob, callboard.PermTaskRead, "user:default/bob", false, "bob reads no task"},
		{"ops reads every task", ops, callboard.PermTaskRead, "user:default/jane", true, "ops reads every task"},
		{"ops cancels not others' tasks", ops, callboard.PermTaskCancel, "user:default/jane", false, ""},
		{"jane moves her location", jane, callboard.PermLocationUpdate, "user:default/jane", true, "a location's creator moves it"},
		{"jane moves not CI's location", jane, callboard.PermLocationUpdate, "external:ci", false, ""},
		{"CI moves not even its own", ci, callboard.PermLocationUpdate, "external:ci", false, "CI moves no location"},
		{"a task rule is no location rule", jane, callboard.PermLocationUpdate, "", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := pol.DecideCreated(tc.p, tc.perm, tc.createdBy)
			if err != nil {
				t.Fatal(err)
			}
			rule := ""
			if d.Rule != nil {
				rule = d.Rule.Name
			}
			if d.Allow != tc.want || rule != tc.rule {
				t.Errorf("DecideCreated(%s, %s, %q) = %v by %q, want %v by %q", tc.p.Subject, tc.perm, tc.createdBy, d.Allow, rule, tc.want, tc.rule)
			}
		})
	}
	// Rules on creators never decide entities, nor permissions asked on
	// nothing: a task read without its task is refused.
	if d, _ := pol.Decide(jane, callboard.PermTaskRead, nil); d.Allow || d.Rule != nil {
		t.Errorf("Decide(jane, task read, no task) = %v by %v, want deny by no rule", d.Allow, d.Rule)
	}
	cond, err := pol.EntityFilter(t.Context(), jane, callboard.PermEntityRead)
	if err != nil || !cond.All {
		t.Errorf("EntityFilter(jane, entity read) = %+v, %v; want all: creator rules are skipped", cond, err)
	}
}

func TestCreatorFilterAgreesWithDecideCreated(t *testing.T) {
	pol := mustParse(t, creatorPolicy)
	ops := callboard.Principal{Subject: "user:default/olga", Ownership: []string{"user:default/olga", "group:default/ops"}}
	for _, tc := range []struct {
		name        string
		p           callboard.Principal
		own, others bool
	}{
		{"jane: her own", jane, true, false},
		{"bob: none", bob, false, false},
		{"ops: all", ops, true, true},
		{"anonymous: none", anonymous, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			own, others, err := pol.CreatorFilter(t.Context(), tc.p, callboard.PermTaskRead)
			if err != nil {
				t.Fatal(err)
			}
			if own != tc.own || others != tc.others {
				t.Errorf("CreatorFilter = own %v, others %v; want %v, %v", own, others, tc.own, tc.others)
			}
			for _, creator := range []string{tc.p.Subject, "user:default/someone-else", ""} {
				want := others
				if creator != "" && creator == tc.p.Subject {
					want = own
				}
				if d, _ := pol.DecideCreated(tc.p, callboard.PermTaskRead, creator); d.Allow != want {
					t.Errorf("DecideCreated(created by %q) = %v, but the filter says %v", creator, d.Allow, want)
				}
			}
		})
	}
}

func TestParseCreatorErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string
	}{
		{"task condition on an entity permission",
			"rules:\n  - permission: catalog.entity.read\n    task: { isTaskOwner: true }\n    decision: allow\n",
			"policy.yaml:2: rules[0].task: task conditions never hold for these permissions: none of them is decided per task by its creator (scaffolder.task.cancel, scaffolder.task.read)"},
		{"task condition on task create",
			"rules:\n  - permission: scaffolder.task.create\n    task: { isTaskOwner: true }\n    decision: allow\n",
			"rules[0].task: task conditions never hold"},
		{"location condition on a task permission",
			"rules:\n  - permission: scaffolder.task.read\n    location: { isLocationCreator: true }\n    decision: allow\n",
			"rules[0].location: location conditions never hold for these permissions: none of them is decided per location by its creator (catalog.location.update)"},
		{"Backstage's spelling of another rule",
			"rules:\n  - permission: scaffolder.task.read\n    task: { isEntityOwner: true }\n    decision: allow\n",
			"policy.yaml:3: rules[0].task.isEntityOwner: unknown key; known keys are isTaskOwner"},
		{"not a boolean",
			"rules:\n  - permission: scaffolder.task.read\n    task: { isTaskOwner: maybe }\n    decision: allow\n",
			"rules[0].task.isTaskOwner: expected true or false"},
		{"entity and task conditions together",
			"rules:\n  - permission: \"*\"\n    task: { isTaskOwner: true }\n    entity: { kind: API }\n    decision: allow\n",
			"rules[0].entity: a rule with task or location conditions cannot also have entity conditions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := policy.Parse("policy.yaml", []byte(tc.src))
			if callboard.ErrorKind(err) != callboard.Invalid || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want Invalid containing %q", err, tc.want)
			}
		})
	}
}

func TestDefaultPolicyCreators(t *testing.T) {
	pol, err := policy.Default(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		p         callboard.Principal
		perm      string
		createdBy string
		want      bool
	}{
		{"jane reads her task", jane, callboard.PermTaskRead, jane.Subject, true},
		{"bob reads not jane's task", bob, callboard.PermTaskRead, jane.Subject, false},
		{"admins read every task", admin, callboard.PermTaskRead, jane.Subject, true},
		{"CI moves its location", ci, callboard.PermLocationUpdate, ci.Subject, true},
		{"another machine moves not CI's location", deployer, callboard.PermLocationUpdate, ci.Subject, false},
		{"nobody moves a location from config", jane, callboard.PermLocationUpdate, "", false},
		{"admins move any location", admin, callboard.PermLocationUpdate, ci.Subject, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d, _ := pol.DecideCreated(tc.p, tc.perm, tc.createdBy); d.Allow != tc.want {
				t.Errorf("DecideCreated(%s, %s, %q) = %v, want %v", tc.p.Subject, tc.perm, tc.createdBy, d.Allow, tc.want)
			}
		})
	}
	// Registering is still not moving.
	if d, _ := pol.Decide(jane, callboard.PermLocationUpdate, nil); d.Allow {
		t.Error("default policy: jane may update a location asked without its creator")
	}
}
