package catalog

import (
	"testing"

	"github.com/google/uuid"
)

// TestNewUIDIsAUUIDv7: uids written into the graph's arena read back as
// the canonical text of a version 7 UUID, distinct each time.
func TestNewUIDIsAUUIDv7(t *testing.T) {
	g := newGraph()
	seen := map[string]bool{}
	for range 1000 {
		s := g.newUID()
		u, err := uuid.Parse(s)
		if err != nil || u.Version() != 7 || u.String() != s {
			t.Fatalf("uid %q: parsed %v (version %d), err %v", s, u, u.Version(), err)
		}
		if seen[s] {
			t.Fatalf("uid %q twice", s)
		}
		seen[s] = true
	}
}
