package kubernetes

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRenderKustomize renders an overlay as kustomize build would: each
// transformer the issue names changes the base, so a walk of the
// kustomization files that skipped one would not give these objects.
func TestRenderKustomize(t *testing.T) {
	co := &checkout{commit: "0123456789abcdef", files: map[string][]byte{
		"svc/k8s/base/kustomization.yaml": []byte("resources: [deployment.yaml, service.yaml]\n"),
		"svc/k8s/base/deployment.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: api, labels: {app: api}}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: app
          image: registry.example.com/api:1.0.0
          resources: {limits: {memory: 1Gi}, requests: {cpu: 50m}}
`),
		"svc/k8s/base/service.yaml": []byte("apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {selector: {app: api}, ports: [{port: 80}]}\n"),
		"svc/k8s/overlays/prod/kustomization.yaml": []byte(`resources: [../../base]
namespace: prod
namePrefix: prod-
commonLabels: {team: payments}
images:
  - {name: registry.example.com/api, newTag: "2.0.0"}
replicas:
  - {name: api, count: 4}
patches:
  - path: memory.yaml
  - target: {kind: Service, name: api}
    patch: |-
      - {op: add, path: /spec/type, value: LoadBalancer}
`),
		"svc/k8s/overlays/prod/memory.yaml": []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec: {template: {spec: {containers: [{name: app, resources: {limits: {memory: 256Mi}}}]}}}
`),
		"svc/k8s/README.md": []byte("# not a manifest\n"),
	}}
	objs, err := render(co, "svc/k8s/overlays/prod")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(objs)
	got := string(b)
	for _, want := range []string{
		`"name":"prod-api","namespace":"prod"`,                 // namePrefix, namespace
		`"team":"payments"`,                                    // commonLabels
		`"image":"registry.example.com/api:2.0.0"`,             // images
		`"replicas":4`,                                         // replicas
		`"limits":{"memory":"256Mi"},"requests":{"cpu":"50m"}`, // strategic merge patch, the rest kept
		`"type":"LoadBalancer"`,                                // JSON 6902 patch
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered objects lack %s:\n%s", want, got)
		}
	}
	if len(objs) != 2 {
		t.Errorf("%d objects, want 2", len(objs))
	}
}

func TestRenderPlainManifests(t *testing.T) {
	co := &checkout{commit: "0123456789abcdef", files: map[string][]byte{
		"k8s/deployment.yaml":     []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n"),
		"k8s/config.json":         []byte(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}`),
		"k8s/notes.txt":           []byte("not read"),
		"k8s/overlays/prod/x.yml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-read}\n"),
	}}
	objs, err := render(co, "k8s")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, str(o, "kind")+"/"+str(o, "metadata", "name"))
	}
	if strings.Join(got, " ") != "ConfigMap/b Deployment/a Service/a" {
		t.Errorf("objects = %v, want the files directly in k8s/, in name order", got)
	}
}

func TestLooksRemote(t *testing.T) {
	for p, want := range map[string]bool{
		"../../base": false, "deployment.yaml": false, "base/": false, "registry.example.com/x": false,
		"https://github.com/org/repo//base?ref=v1": true, "http://example.com/x.yaml": true,
		"github.com/org/repo//base?ref=v1": true, "GitHub.com/org/repo": true, "git@github.com:org/repo.git": true,
		"ssh://git@example.com/repo.git": true, "file:///etc/k8s": true, "git::https://example.com/repo": true,
		"- op: add\n  path: /x\n  value: https://example.com": false,
	} {
		if got := looksRemote(p); got != want {
			t.Errorf("looksRemote(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestLocate(t *testing.T) {
	tests := []struct{ in, repo, branch, dir, err string }{
		{in: "https://github.com/org/repo/tree/main/", repo: "https://github.com/org/repo", branch: "main", dir: "."},
		{in: "https://github.com/org/repo/blob/main/svc/api", repo: "https://github.com/org/repo", branch: "main", dir: "svc/api"},
		{in: "https://gitlab.example.com/group/sub/repo/-/tree/dev/x", repo: "https://gitlab.example.com/group/sub/repo", branch: "dev", dir: "x"},
		{in: "https://bitbucket.org/org/repo/src/main/", repo: "https://bitbucket.org/org/repo", branch: "main", dir: "."},
		{in: "https://git.example.com/org/repo", repo: "https://git.example.com/org/repo", dir: "."},
		{in: "https://github.com/org/repo/tree/main/../../x", err: "leaves its repository"},
		{in: "ssh://github.com/org/repo", err: "only https"},
		{in: "https://jane:pw@github.com/org/repo", err: "not a plain repository URL"},
		{in: "https://github.com/org/repo/tree/", err: "names no branch"},
	}
	for _, tc := range tests {
		loc, err := locate(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("locate(%q) = %v, want an error with %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || loc != repoLocation{tc.repo, tc.branch, tc.dir}):
			t.Errorf("locate(%q) = %+v, %v; want %s %s %s", tc.in, loc, err, tc.repo, tc.branch, tc.dir)
		}
	}
}
