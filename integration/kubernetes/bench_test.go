package kubernetes_test

import (
	"fmt"
	"strings"
	"testing"

	"callboard/integration/kubernetes"
	"callboard/internal/kubefake"
	"callboard/plugin/plugintest"
)

// newBenchPortal serves payment-service with 200 pods spread over three
// clusters (one crash looping on each); with hang, the third
// cluster never answers and the cluster timeout is 300ms.
func newBenchPortal(b *testing.B, hang bool) *plugintest.Portal {
	b.Helper()
	var cfg strings.Builder
	cfg.WriteString("kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  cacheTtl: 0s\n  timeout: 300ms\n  clusterLocatorMethods:\n    - type: config\n      clusters:\n")
	for c := range 3 {
		s := kubefake.NewServer(b, kubefake.Options{})
		s.Add(b, kubefake.PaymentService)
		// 3 fixture pods on each cluster and 191 more: 200 in all.
		for i := range []int{64, 64, 63}[c] {
			s.AddObjects(benchPod(fmt.Sprintf("payment-service-bulk-%d-%03d", c, i)))
		}
		if hang && c == 2 {
			s.Hang()
		}
		fmt.Fprintf(&cfg, "        - {url: '%s', name: cluster-%d, authProvider: serviceAccount, serviceAccountToken: %s}\n", s.URL, c, kubefake.Token)
	}
	return plugintest.New(b, kubernetes.Plugin(nil), plugintest.Options{Config: cfg.String(), Catalog: testCatalog})
}

func benchPod(name string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": "production", "uid": name,
			"labels": map[string]any{"app": "payment-service"}},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "app",
			"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}}}}},
		"status": map[string]any{"phase": "Running", "containerStatuses": []any{
			map[string]any{"name": "app", "ready": true, "restartCount": int64(0), "state": map[string]any{"running": map[string]any{}}}}}}
}

// BenchmarkKubernetesTab renders the tab of an entity matching 200 pods
// across 3 clusters, fetching every time (no cache). Goal: < 300 ms.
func BenchmarkKubernetesTab(b *testing.B) {
	p := newBenchPortal(b, false)
	for b.Loop() {
		status, body := p.Get(b, "/catalog/default/component/payment-service/kubernetes", jane)
		if status != 200 || strings.Count(body, "payment-service-bulk-") < 190 {
			b.Fatalf("GET = %d with %d bulk pods", status, strings.Count(body, "payment-service-bulk-"))
		}
	}
}

// BenchmarkKubernetesQueryOneClusterHangs: the workloads query for three
// clusters, one of which never answers, returns in the cluster timeout
// (300ms), not later.
func BenchmarkKubernetesQueryOneClusterHangs(b *testing.B) {
	p := newBenchPortal(b, true)
	for b.Loop() {
		status, body := p.Do(b, "POST", "/api/kubernetes/resources/workloads/query", jane, strings.NewReader(`{"entityRef": "component:default/payment-service"}`))
		if status != 200 || !strings.Contains(body, "no answer within 300ms") {
			b.Fatalf("POST = %d %.300s", status, body)
		}
	}
}

// BenchmarkKubernetesDrift computes payment-service's drift from its
// production overlay (read from a real git repository, rendered with
// kustomize) against two clusters; the branch is fetched once and read at
// its commit on every call (git ls-tree and archive), as within
// Repos.Freshness.
func BenchmarkKubernetesDrift(b *testing.B) {
	c := newTestClusters(b, "")
	g := newGitHost(b)
	g.commit(b, "lanting/payment-service", manifests("256Mi"))
	p := plugintest.New(b, kubernetes.Plugin(g.repos(b)), plugintest.Options{Config: c.config, Catalog: driftCatalog(g.URL)})
	for b.Loop() {
		status, body := p.Get(b, "/api/kubernetes/drift/default/component/payment-service", jane)
		if status != 200 || !strings.Contains(body, `"drifted":true`) {
			b.Fatalf("GET drift = %d %.300s", status, body)
		}
	}
}
