package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/auth/policy"
)

// sloPermissions are a plugin's permissions: one decided per entity, one
// on nothing.
var sloPermissions = []callboard.Permission{
	{Name: "slo.objective.read", ResourceType: callboard.ResourceEntity, Action: "read"},
	{Name: "slo.budget.reset", ResourceType: "slo-budget", Action: "update"},
}

const sloPolicy = `
rules:
  - name: owners read their objectives
    permission: slo.objective.read
    entity: { isEntityOwner: true }
    decision: allow
  - name: SREs reset budgets
    resourceType: slo-budget
    user: { groups: [sre] }
    decision: allow
`

func TestPluginPermissionsArePolicyNames(t *testing.T) {
	if _, err := policy.Parse("policy.yaml", []byte(sloPolicy)); err == nil || !strings.Contains(err.Error(), `"slo.objective.read" names no known permission`) {
		t.Fatalf("without the plugin's permissions: err = %v, want the unknown permission named", err)
	}
	pol, err := policy.Parse("policy.yaml", []byte(sloPolicy), sloPermissions...)
	if err != nil {
		t.Fatal(err)
	}
	jane := callboard.Principal{Subject: "user:default/jane", Ownership: []string{"user:default/jane", "group:default/team-a"}}
	sre := callboard.Principal{Subject: "user:default/sam", Ownership: []string{"user:default/sam", "group:default/sre"}}
	mine := &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "pay", Namespace: "default"},
		Relations: []callboard.Relation{{Type: callboard.RelationOwnedBy, TargetRef: "group:default/team-a"}}}
	theirs := &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: "ship", Namespace: "default"}}
	tests := []struct {
		name string
		p    callboard.Principal
		perm string
		e    *callboard.Entity
		want bool
	}{
		{"owner reads", jane, "slo.objective.read", mine, true},
		{"others do not", jane, "slo.objective.read", theirs, false},
		{"resource type from the plugin", sre, "slo.budget.reset", nil, true},
		{"not for others", jane, "slo.budget.reset", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := pol.Decide(tc.p, tc.perm, tc.e)
			if err != nil || d.Allow != tc.want {
				t.Errorf("Decide = %v, %v; want %v", d.Allow, err, tc.want)
			}
		})
	}
}

func TestPluginPermissionsInWatcherAndDefault(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, []byte(sloPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.NewWatcher(file, nil, sloPermissions...); err != nil {
		t.Errorf("NewWatcher with the plugin's permissions: %v", err)
	}
	if _, err := policy.Load(file, sloPermissions...); err != nil {
		t.Errorf("Load with the plugin's permissions: %v", err)
	}
	def, err := policy.Default(nil, false, sloPermissions...)
	if err != nil {
		t.Fatal(err)
	}
	anyone := callboard.Principal{}
	if d, _ := def.Decide(anyone, "slo.objective.read", &callboard.Entity{Kind: "Component"}); !d.Allow {
		t.Errorf("default policy: a plugin's read permission is denied to everyone")
	}
	if d, _ := def.Decide(callboard.Principal{Subject: "user:default/jane"}, "slo.budget.reset", nil); d.Allow {
		t.Errorf("default policy: a plugin's update permission is allowed to a user who is no admin")
	}
}
