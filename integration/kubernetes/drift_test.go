package kubernetes_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"callboard/integration/kubernetes"
	"callboard/plugin/plugintest"
)

// manifests is payment-service's repository: a production overlay over a
// base, as Kustomize lays them out. The overlay sets the image tag, the
// replicas and the namespace, and patches the memory limit (strategic
// merge) and the CPU request (JSON 6902): every value the cluster is
// compared with comes from kustomize's rendering, none from the base.
func manifests(memoryLimit string) map[string]string {
	return map[string]string{
		"k8s/overlays/production/kustomization.yaml": `namespace: production
resources:
  - ../../base
images:
  - name: registry.company.com/payment-service
    newTag: "1.42.0"
replicas:
  - name: payment-service
    count: 3
patches:
  - path: memory.yaml
  - target: {kind: Deployment, name: payment-service}
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/resources/requests/cpu
        value: "0.1"
`,
		"k8s/overlays/production/memory.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: payment-service}
spec:
  template:
    spec:
      containers:
        - name: app
          resources:
            limits: {memory: ` + memoryLimit + `}
`,
		"k8s/base/kustomization.yaml": "resources:\n  - deployment.yaml\n  - service.yaml\n  - flags.yaml\n",
		"k8s/base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: payment-service
  labels: {app: payment-service, backstage.io/kubernetes-id: payment-service}
spec:
  replicas: 1
  selector: {matchLabels: {app: payment-service}}
  template:
    metadata:
      labels: {app: payment-service, backstage.io/kubernetes-id: payment-service}
    spec:
      containers:
        - name: app
          image: registry.company.com/payment-service:1.0.0
          ports: [{containerPort: 8080}]
          resources:
            requests: {cpu: 20m, memory: 128Mi}
            limits: {cpu: 500m, memory: 2Gi}
`,
		"k8s/base/service.yaml": `apiVersion: v1
kind: Service
metadata: {name: payment-service}
spec:
  selector: {app: payment-service}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Secret
metadata: {name: payment-service-db}
stringData: {password: from-git}
`,
		"k8s/base/flags.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: payment-service-flags}\ndata: {NEW_CHECKOUT: \"on\"}\n",
	}
}

// driftCatalog is payment-service, whose repository is on host (the
// gitHost's URL).
func driftCatalog(host string) string {
	return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payment-service
  annotations:
    backstage.io/kubernetes-id: payment-service
    backstage.io/kubernetes-namespace: production
    backstage.io/kubernetes-cluster: production
    backstage.io/source-location: url:` + host + `/lanting/payment-service/tree/main/
    callboard.io/kubernetes-manifests: k8s/overlays/production
spec: {type: service, lifecycle: production, owner: group:default/payments}
`
}

func TestKubernetesDrift(t *testing.T) {
	hpa := map[string]string{
		"k8s/base/hpa.yaml": `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: payment-service}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: payment-service}
  minReplicas: 2
  maxReplicas: 3
`,
		"k8s/base/kustomization.yaml": "resources:\n  - deployment.yaml\n  - service.yaml\n  - flags.yaml\n  - hpa.yaml\n",
	}
	tests := []struct {
		name, memory string
		extra        map[string]string
		drifted      bool
		want         []string // path=declared->running by manager
	}{
		{"memory limit edited in the cluster", "256Mi", nil, true, []string{
			"ConfigMap production/payment-service-flags missing",
			"Deployment production/payment-service spec.template.spec.containers[app].resources.limits.memory=256Mi->512Mi by kubectl-edit (Update) at 2026-12-07T02:40:11Z",
		}},
		{"only a missing object", "512Mi", nil, true, []string{"ConfigMap production/payment-service-flags missing"}},
		{"replicas an HPA owns are not compared", "512Mi", map[string]string{
			"k8s/overlays/production/kustomization.yaml": strings.Replace(manifests("")["k8s/overlays/production/kustomization.yaml"], "count: 3", "count: 5", 1)},
			true, []string{"ConfigMap production/payment-service-flags missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClusters(t, "")
			g := newGitHost(t)
			files := manifests(tc.memory)
			for k, v := range tc.extra {
				files[k] = v
			}
			if tc.extra != nil {
				for k, v := range hpa {
					files[k] = v
				}
			}
			commit := g.commit(t, "lanting/payment-service", files)
			p := plugintest.New(t, kubernetes.Plugin(g.repos(t)), plugintest.Options{Config: c.config, Catalog: driftCatalog(g.URL)})
			status, body := p.Get(t, "/api/kubernetes/drift/default/component/payment-service", jane)
			if status != 200 {
				t.Fatalf("GET drift = %d %s", status, body)
			}
			var rep kubernetes.DriftReport
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Commit != commit || rep.Source != g.URL+"/lanting/payment-service" || rep.Branch != "main" || rep.Path != "k8s/overlays/production" {
				t.Errorf("report of %s %s %s at %s, want %s/lanting/payment-service main k8s/overlays/production at %s", rep.Source, rep.Branch, rep.Path, rep.Commit, g.URL, commit)
			}
			var got []string
			for _, od := range rep.Objects {
				obj := od.Kind + " " + od.Namespace + "/" + od.Name
				if od.Kind == "Secret" {
					t.Errorf("a Secret was compared")
				}
				if od.Missing {
					got = append(got, obj+" missing")
				}
				for _, f := range od.Fields {
					got = append(got, obj+" "+f.Path+"="+show(f.Declared)+"->"+show(f.Running)+" by "+f.Manager+" ("+f.Operation+") at "+f.Time)
				}
			}
			if rep.Drifted != tc.drifted || strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("drift = %v\n%s\nwant %v\n%s", rep.Drifted, strings.Join(got, "\n"), tc.drifted, strings.Join(tc.want, "\n"))
			}
			for _, secret := range []string{"from-git", "NEW_CHECKOUT"} {
				if strings.Contains(body, secret) {
					t.Errorf("the report holds %q (a Secret's or a ConfigMap's value)", secret)
				}
			}
			facts := p.Facts(t, "component:default/payment-service")
			if len(facts) != 1 || facts[0].Source+"."+facts[0].Key != "kubernetes.drifted" || facts[0].Value != tc.drifted {
				t.Errorf("facts = %+v", facts)
			}
			_, tab := p.Get(t, "/catalog/default/component/payment-service/kubernetes", jane)
			if !strings.Contains(tab, "Drift from git") || !strings.Contains(tab, "payment-service-flags") || !strings.Contains(tab, "Declared in git at "+commit[:12]) {
				t.Errorf("the tab shows no drift declared in git at %s", commit[:12])
			}
		})
	}
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

func TestKubernetesDriftErrors(t *testing.T) {
	c := newTestClusters(t, "")
	g := newGitHost(t)
	g.commit(t, "lanting/payment-service", manifests("1Gi"))
	overlay := func(kustomization string, more ...string) map[string]string {
		files := map[string]string{"k8s/overlays/production/kustomization.yaml": kustomization}
		for i := 0; i+1 < len(more); i += 2 {
			files[more[i]] = more[i+1]
		}
		return files
	}
	tests := []struct {
		name, catalog string
		files         map[string]string // committed over the repository
		status        int
		want          string
	}{
		{"no manifests", strings.Replace(driftCatalog(g.URL), "k8s/overlays/production", "deploy", 1), nil, 404, "deploy at "},
		{"no source location", strings.Replace(driftCatalog(g.URL), "backstage.io/source-location", "x.example.com/source", 1), nil, 404, "has no url: backstage.io/source-location"},
		{"host not allowed", strings.Replace(driftCatalog(g.URL), g.URL, "https://github.com", 1), nil, 403, "host github.com is not allowed"},
		{"no such branch", strings.Replace(driftCatalog(g.URL), "/tree/main/", "/tree/release/", 1), nil, 400, "couldn't find remote ref release"},
		{"bad manifest", driftCatalog(g.URL), overlay("resources: [bad.yaml]\n", "k8s/overlays/production/bad.yaml", "kind: Deployment\n"), 400, "kustomize build k8s/overlays/production at "},
		{"remote base", driftCatalog(g.URL), overlay("resources:\n  - github.com/other-org/infra//prod?ref=v1\n"), 400, `names the remote \"github.com/other-org/infra//prod?ref=v1\"`},
		{"remote file", driftCatalog(g.URL), overlay("resources: [../../base]\npatches:\n  - path: https://example.com/patch.yaml\n"), 400, `names the remote \"https://example.com/patch.yaml\"`},
		{"ssh base", driftCatalog(g.URL), overlay("resources: [git@github.com:other-org/infra.git]\n"), 400, "names the remote"},
		{"helm chart", driftCatalog(g.URL), overlay("helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n"), 400, "helmCharts are not rendered"},
		{"climbs out of the repository", driftCatalog(g.URL), overlay("resources: [../../../../../../etc]\n"), 400, "kustomize build"},
		{"loop", driftCatalog(g.URL), overlay("resources: [.]\n"), 400, "kustomize build"},
		{"too many files", driftCatalog(g.URL), manyFiles(), 400, "holds more than 500 files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.files != nil {
				g.commit(t, "lanting/payment-service", tc.files)
				t.Cleanup(func() {
					undo := map[string]string{}
					for k := range tc.files {
						undo[k] = ""
					}
					for k, v := range manifests("1Gi") {
						undo[k] = v
					}
					g.commit(t, "lanting/payment-service", undo)
				})
			}
			p := plugintest.New(t, kubernetes.Plugin(g.repos(t)), plugintest.Options{Config: c.config, Catalog: tc.catalog})
			status, body := p.Get(t, "/api/kubernetes/drift/default/component/payment-service", jane)
			t.Logf("GET drift = %d %s", status, body)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("GET drift = %d %s, want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
}

// manyFiles is a manifests folder past the bound.
func manyFiles() map[string]string {
	files := map[string]string{}
	for i := range 501 {
		files["k8s/extra/"+strconv.Itoa(i)+".yaml"] = "a: b\n"
	}
	return files
}
