package docsync_test

import (
	"strings"
	"testing"

	"callboard"
)

// TestAttackReadingAllowOtherPort: docs repositories are cloned only from
// backend.reading.allow. A host entry without a port used to allow every
// port of the host; now a clone from another port is refused before git
// runs, and paths limit the repositories.
func TestAttackReadingAllowOtherPort(t *testing.T) {
	for _, tc := range []struct {
		name  string
		allow callboard.AllowRules
		ref   string
	}{
		{name: "another port", allow: callboard.HostRules("git.internal.example"), ref: "url:http://git.internal.example:8080/o/r/tree/main/docs"},
		{name: "another path", allow: callboard.AllowRules{{Host: "git.internal.example", Paths: []string{"/docs-org/"}}},
			ref: "url:https://git.internal.example/o/r/tree/main/docs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := gitSetup(t, map[string]string{callboard.AnnotationTechDocsRef: tc.ref})
			b.opts.AllowHost = tc.allow.Allows
			_, err := b.syncer(t).Sync(t.Context(), b.entity.Ref())
			if callboard.ErrorKind(err) != callboard.Forbidden || !strings.Contains(err.Error(), "backend.reading.allow") {
				t.Fatalf("Sync = %v; want Forbidden naming backend.reading.allow", err)
			}
			if b.builds != 0 {
				t.Errorf("Publish calls = %d, want 0", b.builds)
			}
		})
	}
}
