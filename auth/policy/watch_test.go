package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/auth/policy"
)

const allowReads = "rules:\n  - permission: catalog.entity.read\n    decision: allow\n"
const allowAll = "rules:\n  - permission: \"*\"\n    decision: allow\n"

// write replaces the file and moves its mtime forward, so that a change is
// seen whatever the file system's timestamp resolution.
func write(t *testing.T, file, src string, age int) {
	t.Helper()
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(time.Duration(age) * time.Second)
	if err := os.Chtimes(file, at, at); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherKeepsPreviousPolicyOnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, file, allowReads, 1)
	var reloads []error
	w, err := policy.NewWatcher(file, func(_ *policy.Policy, err error) { reloads = append(reloads, err) })
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	may := func(perm string) bool {
		ok, err := w.Authorize(ctx, jane, perm, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if may(callboard.PermLocationCreate) {
		t.Fatal("initial policy allows location create")
	}

	write(t, file, allowAll, 2)
	if changed, err := w.Check(); !changed || err != nil {
		t.Fatalf("Check after a good edit = %v, %v", changed, err)
	}
	if !may(callboard.PermLocationCreate) {
		t.Fatal("reloaded policy does not allow location create")
	}

	// A broken edit is rejected, naming file, line and field; the policy
	// in force stays.
	write(t, file, "rules:\n  - permission: \"*\"\n    decision: allow\n  - permission: catalog.location.create\n    decison: deny\n", 3)
	changed, err := w.Check()
	if changed || err == nil {
		t.Fatalf("Check after a bad edit = %v, %v", changed, err)
	}
	for _, want := range []string{file + ":5: rules[1].decison: unknown key", file + ":4: rules[1].decision: missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if !may(callboard.PermLocationCreate) {
		t.Fatal("the bad file replaced the policy in force")
	}
	// Unchanged bad contents are not reported again.
	if changed, err := w.Check(); changed || err != nil {
		t.Fatalf("second Check of the same bad file = %v, %v", changed, err)
	}
	// A removed file keeps the policy too.
	os.Remove(file)
	if _, err := w.Check(); err == nil {
		t.Fatal("no error for a removed policy file")
	}
	if !may(callboard.PermLocationCreate) {
		t.Fatal("a removed file replaced the policy in force")
	}

	write(t, file, allowReads, 4)
	if changed, err := w.Check(); !changed || err != nil {
		t.Fatalf("Check after the fix = %v, %v", changed, err)
	}
	if may(callboard.PermLocationCreate) {
		t.Fatal("the fixed policy is not in force")
	}
	if len(reloads) != 4 || reloads[0] != nil || reloads[1] == nil || reloads[2] == nil || reloads[3] != nil {
		t.Errorf("onReload calls = %v, want ok, error, error, ok", reloads)
	}
}

func TestNewWatcherRejectsBadFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, file, "rules:\n  - permission: nope\n    decision: allow\n", 0)
	if _, err := policy.NewWatcher(file, nil); err == nil || !strings.Contains(err.Error(), file+":2: rules[0].permission") {
		t.Fatalf("NewWatcher error = %v", err)
	}
	if _, err := policy.NewWatcher(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil {
		t.Fatal("no error for a missing file")
	}
}
