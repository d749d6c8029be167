package policy_test

import (
	"strings"
	"testing"

	"callboard"
	"callboard/auth/policy"
)

const celPolicy = `
rules:
  - name: team-a people at example.com register
    permission: catalog.location.create
    when: 'user.email.endsWith("@example.com") && "group:default/team-a" in user.groups'
    decision: allow
  - name: machines read
    permission: catalog.entity.read
    when: user.isService && now > timestamp("2000-01-01T00:00:00Z")
    decision: allow
  - name: websites may be deleted by anyone signed in
    permission: [catalog.entity.delete, catalog.entity.refresh]
    user: { authenticated: true }
    when: has(entity.spec.type) && entity.spec.type == "website" && permission.resourceType == "catalog-entity"
    decision: allow
  - name: a rule that fails at run time
    permission: catalog.entity.refresh
    when: entity.spec.missing == "x"
    decision: deny
  - permission: "*"
    decision: deny
`

func TestCELConditions(t *testing.T) {
	pol := mustParse(t, celPolicy)
	site := entity("Component", "site", "group:default/team-b", "production")
	site.Spec["type"] = "website"
	svc := entity("Component", "svc", "group:default/team-b", "production")
	svc.Spec["type"] = "service"
	carol := callboard.Principal{Subject: "user:default/carol", Ownership: []string{"user:default/carol", "group:default/team-a"}, Email: "Carol@Example.com"}
	tests := []struct {
		p    callboard.Principal
		perm string
		e    *callboard.Entity
		want bool
	}{
		{jane, callboard.PermLocationCreate, nil, true},
		{carol, callboard.PermLocationCreate, nil, true}, // emails compare lowercased
		{bob, callboard.PermLocationCreate, nil, false},
		{ci, callboard.PermEntityRead, svc, true},
		{jane, callboard.PermEntityRead, svc, false},
		{bob, callboard.PermEntityDelete, site, true},
		{bob, callboard.PermEntityDelete, svc, false},
		{anonymous, callboard.PermEntityDelete, site, false},
		{bob, callboard.PermEntityDelete, nil, false},
	}
	for i, tc := range tests {
		d, err := pol.Decide(tc.p, tc.perm, tc.e)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if d.Allow != tc.want {
			t.Errorf("%d: %s %s = %v, want %v", i, tc.p.Subject, tc.perm, d.Allow, tc.want)
		}
	}
	// A failing expression is an error, never a silent allow or deny.
	if _, err := pol.Authorize(t.Context(), bob, callboard.PermEntityRefresh, svc); err == nil ||
		!strings.Contains(err.Error(), `"a rule that fails at run time" (policy.yaml:16)`) || !strings.Contains(err.Error(), "no such key") {
		t.Errorf("run-time error = %v", err)
	}
	// User-only expressions filter lists.
	for _, tc := range []struct {
		p   callboard.Principal
		all bool
	}{{ci, true}, {jane, false}} {
		cond, err := pol.EntityFilter(t.Context(), tc.p, callboard.PermEntityRead)
		if err != nil || cond.All != tc.all || (!tc.all && cond.Predicate != nil) {
			t.Errorf("%s: EntityFilter = %+v, %v", tc.p.Subject, cond, err)
		}
	}
}

func TestCELParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"rules:\n  - permission: catalog.entity.read\n    when: user.ref\n    decision: allow\n",
			"policy.yaml:3: rules[0].when: the expression gives dyn; it must give a bool"},
		{"rules:\n  - permission: catalog.location.create\n    when: user.email.endsWith(\n    decision: allow\n",
			"policy.yaml:3: rules[0].when: ERROR"},
		{"rules:\n  - permission: catalog.location.create\n    when: users.isService\n    decision: allow\n",
			"undeclared reference to 'users'"},
		{"rules:\n  - permission: catalog.entity.*\n    when: entity.kind == 'API'\n    decision: allow\n",
			"policy.yaml:2: rules[0].when: reads entity, but the rule applies to catalog.entity.read"},
		{"rules:\n  - permission: catalog.location.create\n    when: entity.kind == 'API'\n    decision: allow\n",
			"rules[0].when: reads entity, but none of the rule's permissions is decided per entity"},
	} {
		_, err := policy.Parse("policy.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
}
