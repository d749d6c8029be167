package kubernetes_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"callboard"
	"callboard/integration/kubernetes"
	"callboard/internal/kubefake"
	"callboard/plugin"
	"callboard/plugin/plugintest"
)

const testCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payment-service
  annotations:
    backstage.io/kubernetes-id: payment-service
    backstage.io/kubernetes-namespace: production
    backstage.io/kubernetes-label-selector: app=payment-service
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations:
    backstage.io/kubernetes-label-selector: app=ledger
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: by-id
  annotations:
    backstage.io/kubernetes-id: payment-service
    backstage.io/kubernetes-cluster: staging
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: wrong-namespace
  annotations:
    backstage.io/kubernetes-id: payment-service
    backstage.io/kubernetes-namespace: staging
spec: {type: service, lifecycle: production, owner: group:default/payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: no-kubernetes
spec: {type: service, lifecycle: production, owner: group:default/payments}
`

// testClusters are production (https with its own CA), staging (plain
// http, as kubectl proxy) and the config naming them.
type testClusters struct {
	prod, staging *kubefake.Server
	config        string
}

func newTestClusters(t testing.TB, extra string) testClusters {
	t.Helper()
	prod := kubefake.NewServer(t, kubefake.Options{TLS: true})
	prod.Add(t, kubefake.PaymentService)
	prod.SetLog("production", "payment-service-7d9f8c6b5-klmno", "app", mustLog(600))
	staging := kubefake.NewServer(t, kubefake.Options{Token: "-"})
	staging.Add(t, kubefake.PaymentService)
	cfg := fmt.Sprintf(`kubernetes:
  serviceLocatorMethod: {type: multiTenant}
  cacheTtl: 0s
  timeout: 2s
  clusterLocatorMethods:
    - type: config
      clusters:
        - url: %s
          name: production
          title: Production
          authProvider: serviceAccount
          serviceAccountToken: %s
          caData: %s
          dashboardUrl: https://dashboard.example.com/prod
        - url: %s
          name: staging
          authProvider: serviceAccount
          serviceAccountToken: unused-by-proxy
          skipMetricsLookup: true
%s  customResources:
    - group: argoproj.io
      apiVersion: v1alpha1
      plural: rollouts
`, prod.URL, kubefake.Token, prod.CAData(), staging.URL, extra)
	return testClusters{prod: prod, staging: staging, config: cfg}
}

func mustLog(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i == n {
			fmt.Fprintf(&b, "line %d panic: dial tcp 10.0.9.4:5432: connect: connection refused\n", i)
			continue
		}
		fmt.Fprintf(&b, "line %d starting payment worker\n", i)
	}
	return b.String()
}

func newTestPortal(t *testing.T, config string) *plugintest.Portal {
	t.Helper()
	return plugintest.New(t, kubernetes.Plugin(nil), plugintest.Options{Config: config, Catalog: testCatalog, Timeout: 5 * time.Second})
}

var jane = plugintest.User("user:default/jane", "group:default/payments")

// response is the workloads answer as a client reads it.
type response struct {
	Items []struct {
		Cluster struct {
			Name, Title, DashboardURL string
		}
		Resources []struct {
			Type      string
			Resources []map[string]any
		}
		PodMetrics []struct {
			Pod map[string]any
			CPU struct{ CurrentUsage, RequestTotal, LimitTotal float64 }
		}
		Errors []kubernetes.FetchError
	}
}

func mustQuery(t *testing.T, p *plugintest.Portal, path, body string) (response, string) {
	t.Helper()
	status, out := p.Do(t, "POST", path, jane, strings.NewReader(body))
	if status != 200 {
		t.Fatalf("POST %s = %d %s", path, status, out)
	}
	var r response
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return r, out
}

func names(r response, cluster, typ string) []string {
	var out []string
	for _, it := range r.Items {
		if it.Cluster.Name != cluster {
			continue
		}
		for _, res := range it.Resources {
			if res.Type == typ {
				for _, o := range res.Resources {
					out = append(out, o["metadata"].(map[string]any)["name"].(string))
				}
			}
		}
	}
	return out
}

func TestKubernetesWorkloadsQuery(t *testing.T) {
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config)
	r, raw := mustQuery(t, p, "/api/kubernetes/resources/workloads/query", `{"entityRef": "component:default/payment-service", "auth": {}}`)
	if len(r.Items) != 2 || r.Items[0].Cluster.Name != "production" || r.Items[0].Cluster.Title != "Production" || r.Items[0].Cluster.DashboardURL == "" {
		t.Fatalf("items = %+v", r.Items)
	}
	tests := []struct {
		name, cluster, typ string
		want               string
	}{
		{"matched pods only", "production", "pods", "payment-service-7d9f8c6b5-abcde,payment-service-7d9f8c6b5-fghij,payment-service-7d9f8c6b5-klmno"},
		{"deployments", "production", "deployments", "payment-service"},
		{"replicasets", "production", "replicasets", "payment-service-7d9f8c6b5"},
		{"services", "production", "services", "payment-service"},
		{"configmaps by name", "production", "configmaps", "payment-service-config"},
		{"hpas", "production", "horizontalpodautoscalers", "payment-service"},
		{"custom resources", "production", "customresources", "payment-service"},
		{"only the matched objects' warnings", "production", "events", "payment-service-7d9f8c6b5-klmno.17f0a"},
		{"plain http cluster", "staging", "pods", "payment-service-7d9f8c6b5-abcde,payment-service-7d9f8c6b5-fghij,payment-service-7d9f8c6b5-klmno"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(names(r, tc.cluster, tc.typ), ","); got != tc.want {
				t.Errorf("%s %s = %q, want %q", tc.cluster, tc.typ, got, tc.want)
			}
		})
	}
	for _, secret := range []string{"do-not-leak-config-value", kubefake.Token, "unused-by-proxy", "c3VwZXJzZWNyZXQ=", "ledger"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the answer holds %q", secret)
		}
	}
	if len(r.Items[0].Errors) != 0 || len(r.Items[1].Errors) != 0 {
		t.Errorf("errors = %+v / %+v", r.Items[0].Errors, r.Items[1].Errors)
	}
	if m := r.Items[0].PodMetrics; len(m) != 2 || math.Abs(m[0].CPU.CurrentUsage-0.087) > 1e-9 || m[0].CPU.RequestTotal != 0.1 || m[0].CPU.LimitTotal != 0.5 {
		t.Errorf("podMetrics = %+v", m)
	}
	if len(r.Items[1].PodMetrics) != 0 {
		t.Errorf("staging skips metrics, got %+v", r.Items[1].PodMetrics)
	}
	if c.prod.Writes() != 0 || c.staging.Writes() != 0 {
		t.Errorf("the plugin wrote to a cluster")
	}
}

func TestKubernetesMatching(t *testing.T) {
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config)
	tests := []struct {
		name, ref, cluster, want string
		clusters                 int
	}{
		{"label selector takes precedence", "component:default/ledger", "production", "ledger-5c4b-xyz12", 2},
		{"id label and one cluster", "component:default/by-id", "staging", "payment-service-7d9f8c6b5-abcde,payment-service-7d9f8c6b5-fghij,payment-service-7d9f8c6b5-klmno", 1},
		{"namespace restricts", "component:default/wrong-namespace", "production", "", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := mustQuery(t, p, "/api/kubernetes/resources/workloads/query", `{"entityRef": "`+tc.ref+`"}`)
			if len(r.Items) != tc.clusters {
				t.Fatalf("%d clusters, want %d", len(r.Items), tc.clusters)
			}
			if got := strings.Join(names(r, tc.cluster, "pods"), ","); got != tc.want {
				t.Errorf("pods = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestKubernetesPaging(t *testing.T) {
	c := newTestClusters(t, "")
	for i := range 1203 {
		c.prod.AddObjects(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{
			"name": fmt.Sprintf("bulk-%04d", i), "namespace": "production", "uid": fmt.Sprintf("bulk-%d", i),
			"labels": map[string]any{"app": "payment-service"}}, "status": map[string]any{"phase": "Running"}})
	}
	p := newTestPortal(t, c.config)
	before := c.prod.Requests()
	r, _ := mustQuery(t, p, "/api/kubernetes/resources/workloads/query", `{"entityRef": "component:default/payment-service"}`)
	if got := len(names(r, "production", "pods")); got != 1206 {
		t.Errorf("%d pods, want 1206 (three pages of 500)", got)
	}
	if c.prod.Requests()-before < 3 {
		t.Errorf("the pods came in %d requests: no paging", c.prod.Requests()-before)
	}
}

// TestKubernetesClusterErrors: one failing cluster is an error of that
// cluster only, in Backstage's shape; the other answers.
func TestKubernetesClusterErrors(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(c testClusters)
		extra   string
		errType string
		code    int
		message string
	}{
		{"unauthorized", func(c testClusters) { c.prod.SetStatus(401) }, "", "UNAUTHORIZED_ERROR", 401, "Unauthorized"},
		{"forbidden", func(c testClusters) { c.prod.SetStatus(403) }, "", "UNAUTHORIZED_ERROR", 403, "forbidden"},
		{"server error", func(c testClusters) { c.prod.SetStatus(500) }, "", "SYSTEM_ERROR", 500, ""},
		{"timeout", func(c testClusters) { c.prod.Hang() }, "", "FETCH_ERROR", 0, "no answer within 2s"},
		{"dns", func(c testClusters) {}, "        - {url: 'https://no-such-cluster.invalid', name: dns, authProvider: serviceAccount, serviceAccountToken: x}\n", "FETCH_ERROR", 0, "no-such-cluster.invalid"},
		{"tls without the CA", func(c testClusters) {}, "        - {url: 'URL', name: dns, authProvider: serviceAccount, serviceAccountToken: x}\n", "FETCH_ERROR", 0, "certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClusters(t, "")
			if tc.extra != "" {
				c = newTestClusters(t, strings.ReplaceAll(tc.extra, "URL", c.prod.URL))
				c.prod.Add(t, kubefake.PaymentService)
			}
			tc.break_(c)
			p := newTestPortal(t, c.config)
			r, _ := mustQuery(t, p, "/api/kubernetes/resources/workloads/query", `{"entityRef": "component:default/payment-service"}`)
			var errs []kubernetes.FetchError
			for _, it := range r.Items {
				if it.Cluster.Name == "production" && tc.extra == "" || it.Cluster.Name == "dns" {
					errs = it.Errors
				}
				if it.Cluster.Name == "staging" && (len(it.Errors) != 0 || len(names(r, "staging", "pods")) != 3) {
					t.Errorf("staging suffered: %+v", it.Errors)
				}
			}
			if len(errs) == 0 {
				t.Fatalf("no error")
			}
			e := errs[0]
			if e.ErrorType != tc.errType || e.StatusCode != tc.code || !strings.Contains(e.Message, tc.message) {
				t.Errorf("error = %+v, want %s %d %q", e, tc.errType, tc.code, tc.message)
			}
			if tc.code != 0 && !strings.HasPrefix(e.ResourcePath, "/api") {
				t.Errorf("resourcePath = %q", e.ResourcePath)
			}
		})
	}
}

func TestKubernetesAPI(t *testing.T) {
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config)
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"no entity", "POST", "/api/kubernetes/resources/workloads/query", `{}`, 400, "entity is a required field"},
		{"bad entity", "POST", "/api/kubernetes/resources/workloads/query", `{"entityRef": "payment-service"}`, 400, "Invalid entity ref"},
		{"unknown entity", "POST", "/api/kubernetes/resources/workloads/query", `{"entityRef": "component:default/nope"}`, 404, ""},
		{"custom query needs resources", "POST", "/api/kubernetes/resources/custom/query", `{"entityRef": "component:default/payment-service", "customResources": []}`, 400, "customResource"},
		{"custom query", "POST", "/api/kubernetes/resources/custom/query", `{"entityRef": "component:default/payment-service", "customResources": [{"group": "argoproj.io", "apiVersion": "v1alpha1", "plural": "rollouts"}]}`, 200, `"type":"customresources"`},
		{"legacy services", "POST", "/api/kubernetes/services/payment-service", `{"entity": {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "payment-service"}}}`, 200, "payment-service-7d9f8c6b5-klmno"},
		{"clusters", "GET", "/api/kubernetes/clusters", "", 200, `{"name":"production","title":"Production","authProvider":"serviceAccount","dashboardUrl":"https://dashboard.example.com/prod"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			var status int
			var out string
			if body == nil {
				status, out = p.Do(t, tc.method, tc.path, jane, nil)
			} else {
				status, out = p.Do(t, tc.method, tc.path, jane, body)
			}
			if status != tc.status || !strings.Contains(out, tc.want) {
				t.Errorf("%s %s = %d %s, want %d with %q", tc.method, tc.path, status, out, tc.status, tc.want)
			}
			if strings.Contains(out, kubefake.Token) {
				t.Errorf("the answer holds the token")
			}
		})
	}
}

// TestAttackProxyReachesBeyondTheEntity: the proxy serves the entity's
// own objects and logs, read-only; never secrets, other apps' pods,
// lists or writes.
func TestAttackProxyReachesBeyondTheEntity(t *testing.T) {
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config)
	const ref = "entityRef=component:default/payment-service&cluster=production"
	tests := []struct {
		name, method, path string
		status             int
		want               string
	}{
		{"log: last 500 lines", "GET", "/api/kubernetes/proxy/api/v1/namespaces/production/pods/payment-service-7d9f8c6b5-klmno/log?container=app&" + ref, 200, "line 101 starting"},
		{"log search", "GET", "/api/kubernetes/proxy/api/v1/namespaces/production/pods/payment-service-7d9f8c6b5-klmno/log?container=app&search=REFUSED&" + ref, 200, "line 600 panic"},
		{"own object", "GET", "/api/kubernetes/proxy/apis/apps/v1/namespaces/production/deployments/payment-service?" + ref, 200, `"readyReplicas":2`},
		{"secret", "GET", "/api/kubernetes/proxy/api/v1/namespaces/production/secrets/payment-service-db?" + ref, 403, "the proxy serves one object"},
		{"another app's pod", "GET", "/api/kubernetes/proxy/api/v1/namespaces/production/pods/ledger-5c4b-xyz12/log?container=app&" + ref, 403, "is not one of"},
		{"a list", "GET", "/api/kubernetes/proxy/api/v1/namespaces/production/pods?" + ref, 403, "the proxy serves one object"},
		{"another namespace", "GET", "/api/kubernetes/proxy/api/v1/namespaces/kube-system/pods/payment-service-7d9f8c6b5-klmno?" + ref, 403, "namespace production"},
		{"no entity", "GET", "/api/kubernetes/proxy/api/v1/namespaces/production/pods/payment-service-7d9f8c6b5-klmno?cluster=production", 400, "entity is a required field"},
		{"unknown cluster", "GET", "/api/kubernetes/proxy/api/v1/namespaces/production/pods/payment-service-7d9f8c6b5-klmno?entityRef=component:default/payment-service&cluster=prod2", 404, "not one of"},
		{"log form", "GET", "/api/kubernetes/logs?target=production/payment-service-7d9f8c6b5-klmno/app&search=refused&" + ref, 200, "line 600 panic"},
		{"log form: another app's pod", "GET", "/api/kubernetes/logs?target=production/ledger-5c4b-xyz12/app&" + ref, 403, "is not one of"},
		{"log form: bad target", "GET", "/api/kubernetes/logs?target=production/x&" + ref, 400, "target must be"},
		{"delete", "DELETE", "/api/kubernetes/proxy/api/v1/namespaces/production/pods/payment-service-7d9f8c6b5-klmno?" + ref, 404, "No route"},
		{"patch", "PATCH", "/api/kubernetes/proxy/apis/apps/v1/namespaces/production/deployments/payment-service?" + ref, 404, "No route"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := p.Do(t, tc.method, tc.path, jane, nil)
			if status != tc.status || !strings.Contains(out, tc.want) {
				t.Errorf("%s = %d %.300s, want %d with %q", tc.path, status, out, tc.status, tc.want)
			}
			if strings.Contains(out, "c3VwZXJzZWNyZXQ=") || strings.Contains(out, "line 100 starting") {
				t.Errorf("the proxy leaked: %.300s", out)
			}
		})
	}
	if c.prod.Writes() != 0 {
		t.Errorf("the proxy wrote to the cluster %d times", c.prod.Writes())
	}
}

func TestKubernetesProxyHeader(t *testing.T) {
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config)
	req, _ := http.NewRequest("GET", p.URL+"/api/kubernetes/proxy/api/v1/namespaces/production/pods/payment-service-7d9f8c6b5-abcde?entityRef=component:default/payment-service", nil)
	req.Header.Set(kubernetes.ClusterHeader, "production")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET with %s = %d", kubernetes.ClusterHeader, resp.StatusCode)
	}
}

func TestKubernetesTab(t *testing.T) {
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config)
	tests := []struct {
		name, path string
		want       []string
		not        []string
	}{
		{"tab", "/catalog/default/component/payment-service/kubernetes", []string{
			"Production", "CrashLoopBackOff", "connection refused", "What usually fixes it",
			`<progress max="3" value="2"`, "at max", "Paused, step 1 of 4", "Back-off restarting failed container",
			"CPU 87m of 100m (limit 500m)", "tailLines=500", "follow=true", "payment-service-config",
			`<select name="target"><option value="production/payment-service-7d9f8c6b5-klmno/app">`,
		}, []string{"do-not-leak-config-value", kubefake.Token, "ledger-only-event"}},
		{"card", "/catalog/default/component/payment-service", []string{"2/3 pods ready on production, 1 crash looping; 2/3 pods ready on staging, 1 crash looping"}, nil},
		{"no tab without annotations", "/catalog/default/component/no-kubernetes", nil, []string{"/kubernetes\""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := p.Get(t, tc.path, jane)
			if status != 200 {
				t.Fatalf("GET %s = %d", tc.path, status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: no %q", tc.path, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("GET %s: holds %q", tc.path, w)
				}
			}
		})
	}
}

// TestKubernetesLogsNeedProxyPermission: without kubernetes.proxy the tab
// offers no logs and the log routes refuse.
func TestKubernetesLogsNeedProxyPermission(t *testing.T) {
	c := newTestClusters(t, "")
	const policy = "rules:\n  - permission: catalog.entity.read\n    decision: allow\n  - permission: kubernetes.resources.read\n    decision: allow\n  - permission: kubernetes.proxy\n    user: {ref: oncall}\n    decision: allow\n"
	p := plugintest.New(t, kubernetes.Plugin(nil), plugintest.Options{Config: c.config, Catalog: testCatalog, Policy: policy})
	oncall := plugintest.User("user:default/oncall")
	tests := []struct {
		name   string
		who    callboard.Principal
		path   string
		status int
		want   string
		not    string
	}{
		{"tab without logs", jane, "/catalog/default/component/payment-service/kubernetes", 200, "CrashLoopBackOff", "/api/kubernetes/logs"},
		{"logs refused", jane, "/api/kubernetes/logs?entityRef=component:default/payment-service&cluster=production&target=production/payment-service-7d9f8c6b5-klmno/app", 403, "", "line 600"},
		{"on-call's tab", oncall, "/catalog/default/component/payment-service/kubernetes", 200, "/api/kubernetes/logs", ""},
		{"on-call's logs", oncall, "/api/kubernetes/logs?entityRef=component:default/payment-service&cluster=production&target=production/payment-service-7d9f8c6b5-klmno/app", 200, "line 600", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := p.Get(t, tc.path, tc.who)
			if status != tc.status || !strings.Contains(body, tc.want) || (tc.not != "" && strings.Contains(body, tc.not)) {
				t.Errorf("GET %s = %d, want %d with %q without %q", tc.path, status, tc.status, tc.want, tc.not)
			}
		})
	}
}

func TestKubernetesNoClusters(t *testing.T) {
	p := newTestPortal(t, "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  clusterLocatorMethods: []\n")
	status, body := p.Get(t, "/catalog/default/component/payment-service/kubernetes", jane)
	if status != 200 || !strings.Contains(body, "kubectl proxy") || !strings.Contains(body, "localKubectlProxy") {
		t.Errorf("GET = %d, want how to connect a cluster", status)
	}
}

// TestKubernetesWithoutSection: with no kubernetes section at all, an
// annotated entity's tab says how to connect a cluster, and nothing else
// of the plugin is on.
func TestKubernetesWithoutSection(t *testing.T) {
	p := newTestPortal(t, "")
	status, body := p.Get(t, "/catalog/default/component/payment-service/kubernetes", jane)
	if status != 200 || !strings.Contains(body, "kubectl proxy") || !strings.Contains(body, "localKubectlProxy") {
		t.Errorf("GET tab = %d, want how to connect a cluster", status)
	}
	if status, _ := p.Get(t, "/api/kubernetes/clusters", jane); status != http.StatusNotFound {
		t.Errorf("GET /api/kubernetes/clusters = %d without a section, want 404", status)
	}
}

func TestKubernetesConfig(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), 0o600)
	const head = "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  clusterLocatorMethods:\n    - type: config\n      clusters:\n"
	tests := []struct {
		name, config, want string
	}{
		{"typo", head + "        - {url: 'https://k', name: a, authProvider: serviceAccount, serviceAccountToken: x, skipTLSVerfy: true}\n", "app-config.yaml:6: kubernetes.clusterLocatorMethods[0].clusters[0].skipTLSVerfy"},
		{"no locator type", "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  clusterLocatorMethods: [{clusters: []}]\n", "clusterLocatorMethods[0].type"},
		{"single tenant", "kubernetes:\n  serviceLocatorMethod: {type: singleTenant}\n", "use multiTenant"},
		{"no service locator", "kubernetes:\n  clusterLocatorMethods: []\n", "serviceLocatorMethod.type is required"},
		{"bad url", head + "        - {url: 'k8s.example.com', name: a, authProvider: serviceAccount, serviceAccountToken: x}\n", "clusters[0].url must be an http or https URL"},
		{"no name", head + "        - {url: 'https://k', authProvider: serviceAccount, serviceAccountToken: x}\n", "clusters[0].name is required"},
		{"two names", head + "        - {url: 'https://k', name: a, authProvider: serviceAccount, serviceAccountToken: x}\n        - {url: 'https://k', name: a, authProvider: serviceAccount, serviceAccountToken: x}\n", "two clusters are called \"a\""},
		{"no token", head + "        - {url: 'https://k', name: a, authProvider: serviceAccount}\n", "serviceAccountToken is required"},
		{"unsupported auth", head + "        - {url: 'https://k', name: a, authProvider: google}\n", "\"google\" is not supported"},
		{"ca twice", head + "        - {url: 'https://k', name: a, authProvider: serviceAccount, serviceAccountToken: x, caData: x, caFile: " + caFile + "}\n", "caData or caFile, not both"},
		{"ca file missing", head + "        - {url: 'https://k', name: a, authProvider: serviceAccount, serviceAccountToken: x, caFile: /nonexistent/ca.pem}\n", "caFile"},
		{"bad ca data", head + "        - {url: 'https://k', name: a, authProvider: serviceAccount, serviceAccountToken: x, caData: '%%%'}\n", "caData is neither PEM nor base64"},
		{"proxy with clusters", "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  clusterLocatorMethods: [{type: localKubectlProxy, clusters: [{name: a}]}]\n", "takes no clusters"},
		{"object type", "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  objectTypes: [pods, secrets]\n", "objectTypes: \"secrets\" is not one of"},
		{"custom resource", "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  customResources: [{group: argoproj.io, plural: rollouts}]\n", "customResources[0]: group, apiVersion and plural are required"},
		{"timeout", "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  timeout: soon\n", "kubernetes.timeout: want a duration"},
		{"drift interval", "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  driftInterval: 0s\n", "kubernetes.driftInterval: want at least 1s"},
		{"drift concurrency", "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  driftConcurrency: -1\n", "kubernetes.driftConcurrency: want 1 to 64, got -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := kubernetes.Plugin(nil)
			_, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, tc.config))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Enable = %v, want %q", err, tc.want)
			}
		})
	}
	ok := []struct{ name, config string }{
		{"the brief's", head + "        - {url: 'https://k8s-prod.company.com', name: production, authProvider: serviceAccount, skipTLSVerify: false, skipMetricsLookup: false, serviceAccountToken: t, caData: " + kubefake.NewServer(t, kubefake.Options{TLS: true}).CAData() + "}\n  customResources:\n    - {group: argoproj.io, apiVersion: v1alpha1, plural: rollouts}\n"},
		{"kubectl proxy", "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  clusterLocatorMethods: [{type: localKubectlProxy}]\n"},
		{"per cluster", head + "        - {url: 'http://localhost:8001', name: a, title: A, authProvider: serviceAccount, serviceAccountToken: t, skipTLSVerify: true, dashboardUrl: 'https://d', dashboardApp: standard, timeout: 3s, customResources: [{group: g, apiVersion: v1, plural: ps}]}\n  objectTypes: [pods, deployments]\n"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			p := kubernetes.Plugin(nil)
			if _, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, tc.config)); err != nil {
				t.Errorf("Enable = %v", err)
			}
		})
	}
}

// TestRBACManifestIsReadOnly: the shipped ClusterRole only reads, never
// secrets, and holds the brief's rules.
func TestRBACManifestIsReadOnly(t *testing.T) {
	data, err := os.ReadFile("../../deploy/kubernetes/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	kinds := map[string]bool{}
	resources := map[string]bool{}
	for {
		var doc struct {
			Kind  string
			Rules []struct {
				APIGroups []string `yaml:"apiGroups"`
				Resources []string
				Verbs     []string
			}
		}
		if err := dec.Decode(&doc); err != nil {
			break
		}
		kinds[doc.Kind] = true
		for _, r := range doc.Rules {
			for _, v := range r.Verbs {
				if v != "get" && v != "list" && v != "watch" {
					t.Errorf("rule %v allows %q", r.Resources, v)
				}
			}
			for _, res := range r.Resources {
				if res == "secrets" || res == "*" {
					t.Errorf("rule allows %q", res)
				}
				resources[res] = true
			}
		}
	}
	for _, k := range []string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding"} {
		if !kinds[k] {
			t.Errorf("no %s", k)
		}
	}
	for _, r := range []string{"pods", "pods/log", "deployments", "replicasets", "horizontalpodautoscalers", "ingresses", "events"} {
		if !resources[r] {
			t.Errorf("the role cannot read %s", r)
		}
	}
}

// TestKubernetesCachedAnswersAreNotChanged: rendering the tab (which
// sorts) leaves the cached answer as the cluster listed it, so renders
// sharing it do not race and the API answers in the cluster's order.
func TestKubernetesCachedAnswersAreNotChanged(t *testing.T) {
	c := newTestClusters(t, "")
	// Listed last, shown first: the tab sorts.
	c.prod.AddObjects(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "payment-service-0", "namespace": "production",
		"uid": "p-0", "labels": map[string]any{"app": "payment-service"}}, "status": map[string]any{"phase": "Pending"}})
	p := newTestPortal(t, strings.Replace(c.config, "cacheTtl: 0s", "cacheTtl: 1m", 1))
	p.Get(t, "/catalog/default/component/payment-service/kubernetes", jane) // fills the cache
	var wg sync.WaitGroup
	bodies := make([]string, 4)
	for i := range bodies {
		wg.Go(func() {
			_, bodies[i] = p.Get(t, "/catalog/default/component/payment-service/kubernetes", jane)
		})
	}
	wg.Wait()
	r, raw := mustQuery(t, p, "/api/kubernetes/resources/workloads/query", `{"entityRef": "component:default/payment-service"}`)
	if got := names(r, "production", "pods"); len(got) != 4 || got[3] != "payment-service-0" {
		t.Errorf("pods = %v: the cached answer is no longer as the cluster listed it", got)
	}
	for i, b := range bodies {
		if !strings.Contains(b, "payment-service-7d9f8c6b5-klmno") {
			t.Errorf("render %d has no pods", i)
		}
	}
	if !strings.Contains(raw, "payment-service-7d9f8c6b5-klmno") {
		t.Errorf("the query lost the pods")
	}
}

// TestKubernetesCAFile: a TLS cluster whose CA is a file, as caFile.
func TestKubernetesCAFile(t *testing.T) {
	c := newTestClusters(t, "")
	pemData, err := base64.StdEncoding.DecodeString(c.prod.CAData())
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	p := newTestPortal(t, strings.Replace(c.config, "caData: "+c.prod.CAData(), "caFile: "+caFile, 1))
	r, _ := mustQuery(t, p, "/api/kubernetes/resources/workloads/query", `{"entityRef": "component:default/payment-service"}`)
	if got := names(r, "production", "pods"); len(got) != 3 || len(r.Items[0].Errors) != 0 {
		t.Errorf("pods = %v, errors %+v", got, r.Items[0].Errors)
	}
}

// TestKubernetesLocalProxyNotRunning: with localKubectlProxy and no proxy
// on localhost:8001, the tab says to start one.
func TestKubernetesLocalProxyNotRunning(t *testing.T) {
	if l, err := net.Listen("tcp", "127.0.0.1:8001"); err != nil {
		t.Skip("something listens on localhost:8001")
	} else {
		l.Close()
	}
	p := newTestPortal(t, "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  clusterLocatorMethods: [{type: localKubectlProxy}]\n")
	status, body := p.Get(t, "/catalog/default/component/payment-service/kubernetes", jane)
	if status != 200 || !strings.Contains(body, "Cluster local is unavailable: FETCH_ERROR") || !strings.Contains(body, "is `kubectl proxy` running?") {
		t.Errorf("GET = %d, want the local cluster's error with the hint", status)
	}
}

// TestKubernetesDetectedErrors: the tab calls out Backstage's detected
// pod errors with the container's message and what usually fixes it.
func TestKubernetesDetectedErrors(t *testing.T) {
	tests := []struct {
		name   string
		status map[string]any
		want   []string
	}{
		{"image pull", map[string]any{"name": "app", "ready": false, "restartCount": int64(0),
			"state": map[string]any{"waiting": map[string]any{"reason": "ImagePullBackOff", "message": `Back-off pulling image "registry.company.com/payment-service:9.9.9"`}}},
			[]string{"ImagePullBackOff", "payment-service:9.9.9", "Check the image name and tag exist"}},
		{"out of memory", map[string]any{"name": "app", "ready": true, "restartCount": int64(3),
			"state":     map[string]any{"running": map[string]any{"startedAt": "2026-12-07T03:00:00Z"}},
			"lastState": map[string]any{"terminated": map[string]any{"reason": "OOMKilled", "exitCode": int64(137)}}},
			[]string{"OOMKilled", "more memory than its limit", "Raise its memory limit"}},
		{"missing config", map[string]any{"name": "app", "ready": false, "restartCount": int64(0),
			"state": map[string]any{"waiting": map[string]any{"reason": "CreateContainerConfigError", "message": `configmap "payment-flags" not found`}}},
			[]string{"CreateContainerConfigError", `configmap &#34;payment-flags&#34; not found`, "is missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := kubefake.NewServer(t, kubefake.Options{})
			s.AddObjects(map[string]any{"apiVersion": "v1", "kind": "Pod",
				"metadata": map[string]any{"name": "payment-service-x", "namespace": "production", "uid": "x",
					"labels": map[string]any{"app": "payment-service"}},
				"spec":   map[string]any{"containers": []any{map[string]any{"name": "app"}}},
				"status": map[string]any{"phase": "Running", "containerStatuses": []any{tc.status}}})
			p := newTestPortal(t, "kubernetes:\n  serviceLocatorMethod: {type: multiTenant}\n  clusterLocatorMethods:\n    - type: config\n      clusters:\n        - {url: '"+s.URL+"', name: production, authProvider: serviceAccount, serviceAccountToken: "+kubefake.Token+", skipMetricsLookup: true}\n")
			_, body := p.Get(t, "/catalog/default/component/payment-service/kubernetes", jane)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the tab has no %q", w)
				}
			}
		})
	}
}

// TestKubernetesObjectTypes: objectTypes narrows what is fetched, and
// custom resources still come from customResources.
func TestKubernetesObjectTypes(t *testing.T) {
	c := newTestClusters(t, "")
	p := newTestPortal(t, c.config+"  objectTypes: [pods, deployments]\n")
	r, _ := mustQuery(t, p, "/api/kubernetes/resources/workloads/query", `{"entityRef": "component:default/payment-service"}`)
	for typ, want := range map[string]int{"pods": 3, "deployments": 1, "services": 0, "configmaps": 0, "replicasets": 0, "horizontalpodautoscalers": 0} {
		if got := len(names(r, "production", typ)); got != want {
			t.Errorf("%s: %d fetched, want %d", typ, got, want)
		}
	}
}
