package replicas

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"callboard/store/storetest"
)

// agreeDeadline bounds how long a write may take to reach every replica
// in TestReplicasAgree: far above the 1 s target, so that a loaded CI
// machine does not fail it; bench/replicas.sh measures the real figure.
const agreeDeadline = 15 * time.Second

// TestReplicasAgree runs three replicas on one PostgreSQL schema:
// a location registered through A is served by B and C, and once C
// unregisters it, it is gone from A and B.
func TestReplicasAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts callboard")
	}
	var dsn string
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			_, dsn = b.DSN(t)
		}
	}
	if dsn == "" {
		t.Skip("needs PostgreSQL: set " + storetest.EnvPostgresURL)
	}
	dir := t.TempDir()
	desc := serveDescriptors(t)
	var rs []*replicaProc
	for _, name := range []string{"a", "b", "c"} {
		cfg := writeConfig(t, dir, name, dsn, 2*time.Minute, desc)
		rs = append(rs, startReplica(t, name, dir, cfg))
	}
	a, b, c := rs[0], rs[1], rs[2]
	ctx := t.Context()
	target := desc.component(t, "agree-one")
	id, _, err := register(ctx, a.base, target)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*replicaProc{b, c} {
		d := waitUntil(t, fmt.Sprintf("agree-one registered on a, served by %s", r.name), agreeDeadline,
			func() (bool, error) { return hasComponent(ctx, r.base, "agree-one") })
		t.Logf("registered on a, served by %s after %s", r.name, d.Round(time.Millisecond))
	}
	if st, err := call(ctx, c.base, "DELETE", "/api/catalog/locations/"+id, nil, nil); err != nil || st != http.StatusNoContent {
		t.Fatalf("unregister on c: %d %v", st, err)
	}
	for _, r := range []*replicaProc{a, b, c} {
		d := waitUntil(t, fmt.Sprintf("agree-one unregistered on c, gone from %s", r.name), agreeDeadline,
			func() (bool, error) {
				ok, err := hasComponent(ctx, r.base, "agree-one")
				return !ok, err
			})
		t.Logf("unregistered on c, gone from %s after %s", r.name, d.Round(time.Millisecond))
	}
}
