package policy_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"callboard"
	"callboard/auth/policy"
	"callboard/index"
)

const testPolicy = `
rules:
  - name: admins
    permission: "*"
    user: { groups: [admins] }
    decision: allow
  - name: nobody touches production from outside the team
    permission: catalog.entity.delete
    entity: { lifecycle: production, not: { isEntityOwner: true } }
    decision: deny
  - name: experimental entities are hidden from contractors
    permission: catalog.entity.read
    user: { email: "*@contractor.example" }
    entity: { anyOf: [ { lifecycle: experimental }, { tags: [secret] } ] }
    decision: deny
  - name: everyone reads
    permission: catalog.entity.read
    decision: allow
  - name: owners and platform entities
    resourceType: catalog-entity
    entity:
      anyOf:
        - isEntityOwner: true
        - kind: [API]
          labels: { tier: platform }
          annotations: { "backstage.io/techdocs-ref": "*" }
    decision: allow
  - name: machines register
    permission: catalog.location.create
    user: { isService: true }
    decision: allow
  - name: jane registers
    permission: catalog.location.*
    user: { ref: [jane, "external:deployer"] }
    decision: allow
  - permission: "*"
    decision: deny
`

var (
	jane       = callboard.Principal{Subject: "user:default/jane", Ownership: []string{"user:default/jane", "group:default/team-a"}, Email: "jane@example.com"}
	bob        = callboard.Principal{Subject: "user:default/bob", Ownership: []string{"user:default/bob", "group:default/team-b"}, Email: "bob@contractor.example"}
	admin      = callboard.Principal{Subject: "user:default/root", Ownership: []string{"user:default/root", "group:default/admins"}}
	ci         = callboard.Principal{Subject: "external:ci", Service: true}
	anonymous  = callboard.Principal{}
	deployer   = callboard.Principal{Subject: "external:deployer", Service: true}
	principals = map[string]callboard.Principal{"jane": jane, "bob": bob, "admin": admin, "ci": ci, "anonymous": anonymous, "deployer": deployer}
)

func entity(kind, name, owner, lifecycle string, tags ...string) *callboard.Entity {
	e := &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind,
		Metadata: callboard.Metadata{Name: name, Namespace: "default", UID: "uid-" + name, Tags: tags},
		Spec:     map[string]any{"lifecycle": lifecycle, "owner": owner}}
	if owner != "" {
		e.Relations = []callboard.Relation{{Type: callboard.RelationOwnedBy, TargetRef: owner}}
	}
	return e
}

func mustParse(t *testing.T, src string) *policy.Policy {
	t.Helper()
	pol, err := policy.Parse("policy.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return pol
}

func TestDecide(t *testing.T) {
	pol := mustParse(t, testPolicy)
	prodA := entity("Component", "prod-a", "group:default/team-a", "production")
	prodB := entity("Component", "prod-b", "group:default/team-b", "production")
	expA := entity("Component", "exp-a", "group:default/team-a", "experimental")
	secret := entity("Component", "secret-b", "group:default/team-b", "production", "secret")
	platform := entity("API", "platform-api", "group:default/platform", "production")
	platform.Metadata.Labels = map[string]string{"tier": "Platform"}
	platform.Metadata.Annotations = map[string]string{"backstage.io/techdocs-ref": "dir:."}
	tests := []struct {
		who  string
		perm string
		e    *callboard.Entity
		want bool
		rule string
	}{
		{"admin", callboard.PermEntityDelete, prodB, true, "admins"},
		{"admin", callboard.PermAuditRead, nil, true, "admins"},
		{"jane", callboard.PermEntityDelete, prodA, true, "owners and platform entities"},
		{"jane", callboard.PermEntityDelete, prodB, false, "nobody touches production from outside the team"},
		{"jane", callboard.PermEntityRefresh, prodB, false, ""},
		{"jane", callboard.PermEntityRefresh, platform, true, "owners and platform entities"},
		{"bob", callboard.PermEntityRead, expA, false, "experimental entities are hidden from contractors"},
		{"bob", callboard.PermEntityRead, secret, false, "experimental entities are hidden from contractors"},
		{"bob", callboard.PermEntityRead, prodA, true, "everyone reads"},
		{"jane", callboard.PermEntityRead, expA, true, "everyone reads"},
		{"anonymous", callboard.PermEntityRead, prodA, true, "everyone reads"},
		{"anonymous", callboard.PermLocationCreate, nil, false, ""},
		{"ci", callboard.PermLocationCreate, nil, true, "machines register"},
		{"ci", callboard.PermLocationDelete, nil, false, ""},
		{"jane", callboard.PermLocationDelete, nil, true, "jane registers"},
		{"bob", callboard.PermLocationCreate, nil, false, ""},
		{"deployer", callboard.PermLocationDelete, nil, true, "jane registers"},
		// A resource permission asked without an entity matches no entity rule.
		{"jane", callboard.PermEntityDelete, nil, false, ""},
	}
	for i, tc := range tests {
		d, err := pol.Decide(principals[tc.who], tc.perm, tc.e)
		if err != nil {
			t.Fatal(err)
		}
		rule := ""
		if d.Rule != nil {
			rule = d.Rule.Name
		}
		if d.Allow != tc.want || (tc.rule != "" && rule != tc.rule) {
			name := "<nil>"
			if tc.e != nil {
				name = tc.e.Metadata.Name
			}
			t.Errorf("%d: %s %s %s = %v by %q, want %v by %q", i, tc.who, tc.perm, name, d.Allow, rule, tc.want, tc.rule)
		}
	}
}

// TestFilterAgreesWithDecide checks that, for every principal and entity
// permission, the query filter selects exactly the entities Authorize
// allows: the two readings of a rule never drift apart.
func TestFilterAgreesWithDecide(t *testing.T) {
	pol := mustParse(t, testPolicy)
	var all []*callboard.Entity
	owners := []string{"group:default/team-a", "group:default/team-b", "user:default/jane", ""}
	lifecycles := []string{"production", "experimental", "deprecated"}
	for i := range 60 {
		e := entity([]string{"Component", "API", "System"}[i%3], fmt.Sprintf("e%02d", i), owners[i%4], lifecycles[i%3])
		if i%5 == 0 {
			e.Metadata.Tags = []string{"secret"}
		}
		if i%7 == 0 {
			e.Metadata.Labels = map[string]string{"tier": "platform"}
		}
		if i%2 == 0 {
			e.Metadata.Annotations = map[string]string{"backstage.io/techdocs-ref": "dir:."}
		}
		all = append(all, e)
	}
	x := index.New()
	x.PutMany(all)
	partial := 0
	for who, p := range principals {
		for perm, typ := range callboard.Permissions {
			if typ != callboard.ResourceEntity {
				continue
			}
			cond, err := pol.EntityFilter(t.Context(), p, perm)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if cond.All {
				for _, e := range all {
					got = append(got, e.Metadata.UID)
				}
			} else if cond.Predicate != nil {
				pred, err := index.ParsePredicate(cond.Predicate)
				if err != nil {
					t.Fatalf("%s %s: predicate %v: %v", who, perm, cond.Predicate, err)
				}
				page, err := x.Query(index.Query{Predicate: pred})
				if err != nil {
					t.Fatal(err)
				}
				got = page.UIDs
			}
			var want []string
			for _, e := range all {
				if d, _ := pol.Decide(p, perm, e); d.Allow {
					want = append(want, e.Metadata.UID)
				}
			}
			slices.Sort(got)
			if len(want) > 0 && len(want) < len(all) {
				partial++
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: filter selects %d entities %v, Decide allows %d %v", who, perm, len(got), got, len(want), want)
			}
		}
	}
	if partial < 6 {
		t.Errorf("only %d principal/permission pairs see part of the catalog; the test exercises too little", partial)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"", []string{"policy.yaml: the file is empty"}},
		{"rules: [", []string{"policy.yaml:1: did not find expected node content"}},
		{"rule: []", []string{"policy.yaml:1: rule: unknown key", "policy.yaml:1: rules: missing"}},
		{"rules:\n  - permission: catalog.entity.read\n", []string{"policy.yaml:2: rules[0].decision: missing"}},
		{"rules:\n  - permission: catalog.entitiy.read\n    decision: allow\n", []string{`policy.yaml:2: rules[0].permission: "catalog.entitiy.read" names no known permission`}},
		{"rules:\n  - permission: catalog.entity.read\n    decision: maybe\n", []string{`rules[0].decision: "maybe" is not allow or deny`}},
		{"rules:\n  - decision: allow\n", []string{"rules[0].permission: missing"}},
		{"rules:\n  - permission: [catalog.entity.read]\n    decision: allow\n    entity:\n      lifecycle: production\n      owner: me\n",
			[]string{"policy.yaml:6: rules[0].entity.owner: unknown key; known keys are allOf, annotations"}},
		{"rules:\n  - permission: catalog.location.create\n    decision: allow\n    entity: { kind: API }\n",
			[]string{"policy.yaml:2: rules[0].entity: entity conditions never hold for these permissions"}},
		{"rules:\n  - permission: \"*\"\n    decision: allow\n    user: { isService: maybe, groups: [\"user:x\"] }\n",
			[]string{"rules[0].user.isService: expected true or false", `rules[0].user.groups[0]: "user:x" is not a group ref`}},
		{"rules:\n  - permission: \"*\"\n    resourceType: catalog-thing\n    decision: allow\n",
			[]string{`rules[0].resourceType: "catalog-thing" is not a known resource type`}},
		{"rules:\n  - permission: \"*\"\n    decision: allow\n    entity: { labels: [a] }\n",
			[]string{"policy.yaml:4: rules[0].entity.labels: expected a non-empty mapping"}},
	}
	for i, tc := range tests {
		_, err := policy.Parse("policy.yaml", []byte(tc.src))
		if err == nil {
			t.Errorf("%d: no error for %q", i, tc.src)
			continue
		}
		if callboard.ErrorKind(err) != callboard.Invalid {
			t.Errorf("%d: kind %s, want invalid", i, callboard.ErrorKind(err))
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%d: error %q does not contain %q", i, err, w)
			}
		}
	}
}

func TestDefaultPolicy(t *testing.T) {
	pol, err := policy.Default([]string{"group:default/platform-admins"}, false)
	if err != nil {
		t.Fatal(err)
	}
	mine := entity("Component", "mine", "group:default/team-a", "production")
	theirs := entity("Component", "theirs", "group:default/team-b", "production")
	padmin := callboard.Principal{Subject: "user:default/p", Ownership: []string{"user:default/p", "group:default/platform-admins"}}
	tests := []struct {
		p    callboard.Principal
		perm string
		e    *callboard.Entity
		want bool
	}{
		{anonymous, callboard.PermEntityRead, theirs, true},
		{anonymous, callboard.PermEntityDelete, theirs, false},
		{anonymous, callboard.PermLocationCreate, nil, false},
		{jane, callboard.PermEntityDelete, mine, true},
		{jane, callboard.PermEntityDelete, theirs, false},
		{jane, callboard.PermEntityRefresh, theirs, true},
		{jane, callboard.PermLocationCreate, nil, true},
		{jane, callboard.PermLocationDelete, nil, false},
		{jane, callboard.PermTaskCreate, nil, true},
		{jane, callboard.PermAuditRead, nil, false},
		{ci, callboard.PermLocationCreate, nil, true},
		{admin, callboard.PermEntityDelete, theirs, false}, // "admins" is not the configured group
		{padmin, callboard.PermEntityDelete, theirs, true},
		{padmin, callboard.PermAuditRead, nil, true},
	}
	for i, tc := range tests {
		if got, _ := pol.Decide(tc.p, tc.perm, tc.e); got.Allow != tc.want {
			t.Errorf("%d: %s %s = %v, want %v", i, tc.p.Subject, tc.perm, got.Allow, tc.want)
		}
	}
	dev, err := policy.Default(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := dev.Decide(anonymous, callboard.PermEntityDelete, theirs); !d.Allow {
		t.Error("dev mode: anonymous may not delete")
	}
}
