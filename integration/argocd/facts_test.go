package argocd_test

import (
	"fmt"
	"testing"
	"time"

	"callboard"
	"callboard/integration/argocd"
	"callboard/plugin/plugintest"
)

// TestArgoCDFacts: the facts scorecards read, against the fake Argo CD.
func TestArgoCDFacts(t *testing.T) {
	api := newTestArgo(t)
	portal := plugintest.New(t, argocd.Plugin(), plugintest.Options{Config: tokenConfig(api.URL, ""), Catalog: catalog})
	tests := []struct {
		ref  string
		want map[string]string // key -> value as %v; "" for absent
	}{
		{"component:default/orders", map[string]string{"apps": "1", "missing": "0", "synced": "true", "healthy": "true",
			"sync.status": "Synced", "health.status": "Healthy"}},
		{"component:default/payment-service", map[string]string{"apps": "2", "synced": "false", "healthy": "false",
			"sync.status": "OutOfSync", "health.status": "Degraded"}},
		{"component:default/ghost", map[string]string{"apps": "0", "missing": "1", "synced": "false", "sync.status": "", "lastDeployedAt": ""}},
		{"component:default/plain", map[string]string{"apps": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			got := map[string]callboard.Fact{}
			for _, f := range portal.Facts(t, tc.ref) {
				got[f.Key] = f
			}
			for k, v := range tc.want {
				f, ok := got[k]
				switch {
				case v == "" && ok:
					t.Errorf("%s = %v, want none", k, f.Value)
				case v != "" && (!ok || fmt.Sprint(f.Value) != v):
					t.Errorf("%s = %v, want %s", k, f.Value, v)
				case ok && f.Source != "argocd":
					t.Errorf("%s from %s", k, f.Source)
				}
			}
		})
	}
	// The latest deployment: an hour ago in the fake's history; the
	// first (the new-service lead time's end): 72 hours ago.
	seen := 0
	for _, f := range portal.Facts(t, "component:default/orders") {
		want := map[string]time.Duration{"lastDeployedAt": time.Hour, "firstDeployedAt": 72 * time.Hour}[f.Key]
		if want == 0 {
			continue
		}
		seen++
		if d := time.Since(f.Value.(time.Time)); d < want-10*time.Minute || d > want+10*time.Minute {
			t.Errorf("%s %v ago, want about %v", f.Key, d, want)
		}
	}
	if seen != 2 {
		t.Errorf("lastDeployedAt and firstDeployedAt: %d of them", seen)
	}
}
