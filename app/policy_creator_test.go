package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard/auth/policy"
)

// TestPolicyTestCreatedBy: policy authors test the permissions decided by
// creator (isTaskOwner, isLocationCreator) with createdBy in a case.
func TestPolicyTestCreatedBy(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(pol, []byte(policy.DefaultYAML(nil, false)), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := filepath.Join(dir, "cases.yaml")
	os.WriteFile(cases, []byte(`cases:
  - name: jane reads her task
    user: jane
    permission: scaffolder.task.read
    createdBy: jane
    expect: allow
  - name: bob reads not jane's task
    user: bob
    permission: scaffolder.task.read
    createdBy: user:default/jane
    expect: deny
  - name: CI moves the location it registered
    user: external:ci
    service: true
    permission: catalog.location.update
    createdBy: external:ci
    expect: allow
  - name: nobody but admins moves a location from config
    user: jane
    permission: catalog.location.update
    createdBy: ""
    expect: deny
`), 0o644)
	out, err := runPolicyCmd(t, "test", pol, cases)
	if err != nil {
		t.Fatalf("cases: %v\n%s", err, out)
	}
	for _, want := range []string{
		"created by user:default/jane", "a task is read by whoever created it",
		"created by external:ci", "created by nobody known", "4 cases: 4 passed, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	os.WriteFile(cases, []byte(`cases:
  - name: entities have no creator here
    user: jane
    permission: catalog.entity.read
    createdBy: jane
    expect: allow
`), 0o644)
	_, err = runPolicyCmd(t, "test", pol, cases)
	if want := cases + ":5: cases[0].createdBy: catalog.entity.read is not decided by who created the resource; createdBy goes with catalog.location.update, scaffolder.task.cancel, scaffolder.task.read"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("createdBy on an entity permission: %v, want %q", err, want)
	}
}
