package kubernetes_test

import (
	"regexp"
	"strings"
	"testing"

	"callboard/integration/kubernetes"
	"callboard/plugin/plugintest"
)

const inSync = "https://github.com/lanting/checkout/blob/main/"

// scanCatalog has payment-service, whose cluster runs another image than
// git declares; checkout, whose git matches the same objects; ledger,
// with Kubernetes annotations but no manifests; and website, without.
const scanCatalog = driftCatalog + `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    backstage.io/kubernetes-id: payment-service
    backstage.io/kubernetes-namespace: production
    backstage.io/kubernetes-cluster: production
    backstage.io/source-location: url:https://github.com/lanting/checkout/tree/main/
    callboard.io/kubernetes-manifests: k8s
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations: {backstage.io/kubernetes-id: ledger}
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: website}
spec: {type: website, lifecycle: production, owner: group:default/payments}
`

// scanManifests is payment-service's repository with an image the cluster
// does not run, and checkout's, which the cluster runs as declared.
func scanManifests() map[string]string {
	files := manifests("512Mi")
	files[repo+"k8s/base/kustomization.yaml"] = "resources:\n  - deployment.yaml\n  - service.yaml\n"
	deployment := files[repo+"k8s/base/deployment.yaml"]
	files[repo+"k8s/base/deployment.yaml"] = strings.Replace(deployment, "payment-service:1.42.0", "payment-service:1.43.0", 1)
	files[inSync+"k8s/kustomization.yaml"] = "namespace: production\nresources:\n  - deployment.yaml\n"
	files[inSync+"k8s/deployment.yaml"] = deployment
	return files
}

var listed = regexp.MustCompile(`title="component:default/([a-z-]+)"`)

func TestKubernetesDriftedCatalogFilter(t *testing.T) {
	c := newTestClusters(t, "")
	p := plugintest.New(t, kubernetes.Plugin(readFrom(scanManifests())), plugintest.Options{Config: c.config, Catalog: scanCatalog})

	status, body := p.Get(t, "/catalog?only=drifted", jane)
	if status != 503 || !strings.Contains(body, "not computed yet") {
		t.Errorf("before the first scan: GET /catalog?only=drifted = %d, want 503 saying drift is not computed yet", status)
	}
	if err := p.RunJob(t, "drift"); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"drifted", "/catalog?only=drifted", "payment-service"},
		{"not ticked", "/catalog?kind=component", "checkout ledger payment-service website"},
		{"drifted services", "/catalog?only=drifted&type=service", "payment-service"},
		{"drifted websites", "/catalog?only=drifted&type=website", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := p.Get(t, tc.path, jane)
			if status != 200 {
				t.Fatalf("GET %s = %d\n%s", tc.path, status, body)
			}
			var got []string
			for _, m := range listed.FindAllStringSubmatch(body, -1) {
				got = append(got, m[1])
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("GET %s lists %q, want %q", tc.path, strings.Join(got, " "), tc.want)
			}
			if !strings.Contains(body, "Drifted from git") {
				t.Errorf("the page offers no Drifted from git filter")
			}
		})
	}
}

// TestKubernetesDriftFilterOnAnotherReplica runs two replicas on one
// database behind a load balancer: the drift job runs on the one holding
// its lease, and the other's filter answers from the stored facts.
func TestKubernetesDriftFilterOnAnotherReplica(t *testing.T) {
	c := newTestClusters(t, "")
	plug := func(opts plugintest.Options) *plugintest.Portal {
		opts.Config, opts.Catalog = c.config, scanCatalog
		return plugintest.New(t, kubernetes.Plugin(readFrom(scanManifests())), opts)
	}
	jobs := plug(plugintest.Options{})
	other := plug(plugintest.Options{Facts: jobs.DB})

	if status, body := other.Get(t, "/catalog?only=drifted", jane); status != 503 || !strings.Contains(body, "not computed yet") {
		t.Errorf("before the first scan: GET /catalog?only=drifted on the other replica = %d, want 503 saying drift is not computed yet", status)
	}
	if err := jobs.RunJob(t, "drift"); err != nil {
		t.Fatal(err)
	}
	status, body := other.Get(t, "/catalog?only=drifted", jane)
	if status != 200 {
		t.Fatalf("GET /catalog?only=drifted on the other replica = %d\n%s", status, body)
	}
	var got []string
	for _, m := range listed.FindAllStringSubmatch(body, -1) {
		got = append(got, m[1])
	}
	if strings.Join(got, " ") != "payment-service" {
		t.Errorf("the other replica lists %q as drifted, want payment-service", strings.Join(got, " "))
	}
	facts, err := jobs.DB.FactsOf(t.Context(), "component:default/checkout")
	if err != nil || len(facts) != 1 || facts[0].Key != "drifted" || facts[0].Value != false {
		t.Errorf("stored facts of checkout = %v, %v; want drifted false", facts, err)
	}
}
