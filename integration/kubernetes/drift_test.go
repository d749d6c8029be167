package kubernetes_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"callboard"
	"callboard/integration/kubernetes"
	"callboard/plugin/plugintest"
)

const repo = "https://github.com/lanting/payment-service/blob/main/"

// manifests is payment-service's repository: a production overlay over a
// base, as Kustomize lays them out.
func manifests(memoryLimit string) map[string]string {
	return map[string]string{
		repo + "k8s/overlays/production/kustomization.yaml": "namespace: production\nresources:\n  - ../../base\n",
		repo + "k8s/base/kustomization.yaml":                "resources:\n  - deployment.yaml\n  - service.yaml\n  - flags.yaml\n",
		repo + "k8s/base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: payment-service
  labels: {app: payment-service, backstage.io/kubernetes-id: payment-service}
spec:
  replicas: 3
  selector: {matchLabels: {app: payment-service}}
  template:
    metadata:
      labels: {app: payment-service, backstage.io/kubernetes-id: payment-service}
    spec:
      containers:
        - name: app
          image: registry.company.com/payment-service:1.42.0
          ports: [{containerPort: 8080}]
          resources:
            requests: {cpu: "0.1", memory: 128Mi}
            limits: {cpu: 500m, memory: ` + memoryLimit + `}
`,
		repo + "k8s/base/service.yaml": `apiVersion: v1
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
		repo + "k8s/base/flags.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: payment-service-flags}\ndata: {NEW_CHECKOUT: \"on\"}\n",
	}
}

func readFrom(files map[string]string) kubernetes.ReadFunc {
	return func(ctx context.Context, url string) ([]byte, error) {
		if s, ok := files[url]; ok {
			return []byte(s), nil
		}
		return nil, callboard.Errorf(callboard.NotFound, "%s: 404", url)
	}
}

const driftCatalog = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payment-service
  annotations:
    backstage.io/kubernetes-id: payment-service
    backstage.io/kubernetes-namespace: production
    backstage.io/kubernetes-cluster: production
    backstage.io/source-location: url:https://github.com/lanting/payment-service/tree/main/
    callboard.io/kubernetes-manifests: k8s/overlays/production
spec: {type: service, lifecycle: production, owner: group:default/payments}
`

func TestKubernetesDrift(t *testing.T) {
	tests := []struct {
		name, memory string
		drifted      bool
		want         []string // path=declared->running by manager
	}{
		{"memory limit edited in the cluster", "256Mi", true, []string{
			"ConfigMap production/payment-service-flags missing",
			"Deployment production/payment-service spec.template.spec.containers[app].resources.limits.memory=256Mi->512Mi by kubectl-edit (Update) at 2026-12-07T02:40:11Z",
		}},
		{"only a missing object", "512Mi", true, []string{"ConfigMap production/payment-service-flags missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClusters(t, "")
			p := plugintest.New(t, kubernetes.Plugin(readFrom(manifests(tc.memory))), plugintest.Options{Config: c.config, Catalog: driftCatalog})
			status, body := p.Get(t, "/api/kubernetes/drift/default/component/payment-service", jane)
			if status != 200 {
				t.Fatalf("GET drift = %d %s", status, body)
			}
			var rep kubernetes.DriftReport
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatal(err)
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
					got = append(got, obj+" "+f.Path+"="+f.Declared.(string)+"->"+f.Running.(string)+" by "+f.Manager+" ("+f.Operation+") at "+f.Time)
				}
			}
			if rep.Drifted != tc.drifted || strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("drift = %v\n%s\nwant %v\n%s", rep.Drifted, strings.Join(got, "\n"), tc.drifted, strings.Join(tc.want, "\n"))
			}
			if strings.Contains(body, "from-git") {
				t.Errorf("the report holds the secret's value")
			}
			facts := p.Facts(t, "component:default/payment-service")
			if len(facts) != 1 || facts[0].Source+"."+facts[0].Key != "kubernetes.drifted" || facts[0].Value != tc.drifted {
				t.Errorf("facts = %+v", facts)
			}
			_, tab := p.Get(t, "/catalog/default/component/payment-service/kubernetes", jane)
			if !strings.Contains(tab, "Drift from git") || !strings.Contains(tab, "payment-service-flags") {
				t.Errorf("the tab shows no drift")
			}
		})
	}
}

func TestKubernetesDriftErrors(t *testing.T) {
	c := newTestClusters(t, "")
	tests := []struct {
		name, catalog string
		files         map[string]string
		status        int
		want          string
	}{
		{"no kustomization", driftCatalog, map[string]string{}, 404, "kustomization.yaml: 404"},
		{"no source location", strings.Replace(driftCatalog, "backstage.io/source-location", "x.example.com/source", 1), manifests("1Gi"), 404, "has no url: backstage.io/source-location"},
		{"bad manifest", driftCatalog, map[string]string{
			repo + "k8s/overlays/production/kustomization.yaml": "resources: [bad.yaml]\n",
			repo + "k8s/overlays/production/bad.yaml":           "kind: Deployment\n"}, 400, "without kind or metadata.name"},
		{"climbs out of the repository", driftCatalog, map[string]string{
			repo + "k8s/overlays/production/kustomization.yaml":      "resources: [../../../../../../other-org/infra/blob/main/prod.yaml]\n",
			"https://github.com/other-org/infra/blob/main/prod.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other-teams}\n"}, 400, "outside the repository"},
		{"loop", driftCatalog, map[string]string{
			repo + "k8s/overlays/production/kustomization.yaml": "resources: [.]\n"}, 400, "nested deeper than 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := plugintest.New(t, kubernetes.Plugin(readFrom(tc.files)), plugintest.Options{Config: c.config, Catalog: tc.catalog})
			status, body := p.Get(t, "/api/kubernetes/drift/default/component/payment-service", jane)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("GET drift = %d %s, want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
}
