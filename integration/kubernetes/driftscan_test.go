package kubernetes_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"callboard/integration/kubernetes"
	"callboard/plugin/plugintest"
)

// scanCatalog has payment-service, whose cluster runs another image than
// git declares; checkout, whose git matches the same objects; ledger,
// with Kubernetes annotations but no manifests; and website, without.
// Their repositories are on host.
func scanCatalog(host string) string {
	return driftCatalog(host) + `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    backstage.io/kubernetes-id: payment-service
    backstage.io/kubernetes-namespace: production
    backstage.io/kubernetes-cluster: production
    backstage.io/source-location: url:` + host + `/lanting/checkout/tree/main/
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
}

// scanRepos commits payment-service's repository with an image the
// cluster does not run (the overlay's images: tag), and checkout's, plain
// YAML in k8s/ that the cluster runs as declared.
func scanRepos(t *testing.T, g *gitHost) {
	files := manifests("512Mi")
	files["k8s/base/kustomization.yaml"] = "resources:\n  - deployment.yaml\n  - service.yaml\n"
	files["k8s/overlays/production/kustomization.yaml"] = strings.Replace(files["k8s/overlays/production/kustomization.yaml"], `newTag: "1.42.0"`, `newTag: "1.43.0"`, 1)
	g.commit(t, "lanting/payment-service", files)
	deployment := strings.NewReplacer("payment-service:1.0.0", "payment-service:1.42.0", "replicas: 1", "replicas: 3", "cpu: 20m", "cpu: 100m", "memory: 2Gi", "memory: 512Mi").
		Replace(files["k8s/base/deployment.yaml"])
	g.commit(t, "lanting/checkout", map[string]string{
		"k8s/deployment.yaml": strings.Replace(deployment, "name: payment-service\n", "name: payment-service\n  namespace: production\n", 1),
		"k8s/README.md":       "not a manifest\n",
	})
}

var listed = regexp.MustCompile(`title="component:default/([a-z-]+)"`)

func TestKubernetesDriftedCatalogFilter(t *testing.T) {
	c := newTestClusters(t, "")
	g := newGitHost(t)
	scanRepos(t, g)
	p := plugintest.New(t, kubernetes.Plugin(g.repos(t)), plugintest.Options{Config: c.config + "  driftConcurrency: 2\n", Catalog: scanCatalog(g.URL)})

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
	g := newGitHost(t)
	scanRepos(t, g)
	plug := func(opts plugintest.Options) *plugintest.Portal {
		opts.Config, opts.Catalog = c.config, scanCatalog(g.URL)
		return plugintest.New(t, kubernetes.Plugin(g.repos(t)), opts)
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

// TestKubernetesDriftJobConcurrency scans six entities, each with its own
// repository, with driftConcurrency 2: the git host sees two fetches at
// once (the first requests wait until a second one arrives), never more,
// and every entity gets its fact.
func TestKubernetesDriftJobConcurrency(t *testing.T) {
	c := newTestClusters(t, "")
	g := newGitHost(t)
	deployment := manifests("")["k8s/base/deployment.yaml"]
	var catalog strings.Builder
	for i := range 6 {
		name := "svc-" + strconv.Itoa(i)
		g.commit(t, "lanting/"+name, map[string]string{"k8s/deployment.yaml": deployment})
		fmt.Fprintf(&catalog, `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: %s
  annotations:
    backstage.io/kubernetes-id: payment-service
    backstage.io/kubernetes-namespace: production
    backstage.io/source-location: url:%s/lanting/%s/tree/main/
spec: {type: service, lifecycle: production, owner: group:default/payments}
`, name, g.URL, name)
	}
	var mu sync.Mutex
	inFlight, peak := 0, 0
	met := make(chan struct{})
	meet := sync.OnceFunc(func() { close(met) })
	before := func() func() {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		if inFlight == 2 {
			meet()
		}
		mu.Unlock()
		select {
		case <-met:
		case <-time.After(10 * time.Second): // fetches one at a time: the test fails below
			meet()
		}
		return func() {
			mu.Lock()
			inFlight--
			mu.Unlock()
		}
	}
	g.before.Store(&before)
	p := plugintest.New(t, kubernetes.Plugin(g.repos(t)), plugintest.Options{Config: c.config + "  driftConcurrency: 2\n", Catalog: catalog.String()})
	if err := p.RunJob(t, "drift"); err != nil {
		t.Fatal(err)
	}
	if peak != 2 {
		t.Errorf("at most %d fetches at once, want 2 (driftConcurrency)", peak)
	}
	for i := range 6 {
		facts := p.Facts(t, "component:default/svc-"+strconv.Itoa(i))
		if len(facts) != 1 || facts[0].Key != "drifted" || facts[0].Value != true {
			t.Errorf("facts of svc-%d = %+v, want drifted (the base's image is not the running one)", i, facts)
		}
	}
}
