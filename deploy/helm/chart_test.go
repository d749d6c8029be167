package helm_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"callboard/config"
)

const (
	chartDir  = "callboard"
	namespace = "backstage"
	// kubeVersion is the cluster the chart is rendered for; Chart.yaml
	// asks for 1.25 or later.
	kubeVersion = "v1.33.0"
)

// release is one rendering of the chart: its objects by "Kind/name",
// decoded strictly into the API types, and its notes.
type rendered struct {
	objects map[string]any
	notes   string
}

// render installs the chart in client-only dry-run mode (helm install
// --dry-run=client, no cluster) with the values in YAML and decodes every
// object.
func render(t *testing.T, values string) (*rendered, error) {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	vals, err := common.ReadValues([]byte(values))
	if err != nil {
		t.Fatalf("values: %v", err)
	}
	cfg := action.NewConfiguration()
	cfg.SetLogger(slog.DiscardHandler)
	install := action.NewInstall(cfg)
	install.DryRunStrategy = action.DryRunClient
	install.ReleaseName = "callboard"
	install.Namespace = namespace
	install.KubeVersion, err = common.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	out, err := install.RunWithContext(t.Context(), ch, vals.AsMap())
	if err != nil {
		return nil, err
	}
	rel, ok := out.(*release.Release)
	if !ok {
		t.Fatalf("install returned %T, want *release.Release", out)
	}
	objects, err := decodeStrict(rel.Manifest)
	if err != nil {
		t.Fatalf("%v\nmanifest:\n%s", err, rel.Manifest)
	}
	return &rendered{objects: objects, notes: rel.Info.Notes}, nil
}

// mustRender renders the values file testdata/name ("" for the chart's
// defaults) and fails the test on error.
func mustRender(t *testing.T, name string) *rendered {
	t.Helper()
	r, err := render(t, readValues(t, name))
	if err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	return r
}

func readValues(t *testing.T, name string) string {
	t.Helper()
	if name == "" {
		return ""
	}
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// types are the kinds the chart may render; any other kind is an error.
var types = map[string]func() any{
	"v1/ConfigMap":                             func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                                func() any { return &corev1.Secret{} },
	"v1/Service":                               func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                        func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                       func() any { return &appsv1.Deployment{} },
	"networking.k8s.io/v1/Ingress":             func() any { return &networkingv1.Ingress{} },
	"policy/v1/PodDisruptionBudget":            func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler":   func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"rbac.authorization.k8s.io/v1/ClusterRole": func() any { return &rbacv1.ClusterRole{} },
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": func() any {
		return &rbacv1.ClusterRoleBinding{}
	},
}

// decodeStrict splits a manifest into documents and decodes each into its
// API type, failing on unknown or duplicate fields.
func decodeStrict(manifest string) (map[string]any, error) {
	objects := map[string]any{}
	r := k8syaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objects, nil
		} else if err != nil {
			return nil, err
		}
		var head struct {
			metav1.TypeMeta   `json:",inline"`
			metav1.ObjectMeta `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("document %q: %w", doc, err)
		}
		if head.Kind == "" {
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			return nil, fmt.Errorf("document without kind:\n%s", doc)
		}
		newObj, ok := types[head.APIVersion+"/"+head.Kind]
		if !ok {
			return nil, fmt.Errorf("unexpected object %s %s", head.APIVersion, head.Kind)
		}
		obj := newObj()
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%s %s: %w", head.Kind, head.Name, err)
		}
		key := head.Kind + "/" + head.Name
		if _, dup := objects[key]; dup {
			return nil, fmt.Errorf("%s rendered twice", key)
		}
		if head.Namespace != "" && head.Namespace != namespace {
			return nil, fmt.Errorf("%s is in namespace %s, want %s", key, head.Namespace, namespace)
		}
		objects[key] = obj
	}
}

func stripComments(doc []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(append(out, l...), '\n')
		}
	}
	return out
}

// get returns the rendered object kind/name as T, failing when absent.
func get[T any](t *testing.T, r *rendered, kind, name string) T {
	t.Helper()
	o, ok := r.objects[kind+"/"+name]
	if !ok {
		t.Fatalf("no %s/%s rendered; have %v", kind, name, r.kinds())
	}
	v, ok := o.(T)
	if !ok {
		t.Fatalf("%s/%s is %T", kind, name, o)
	}
	return v
}

func (r *rendered) has(kind string) bool {
	for k := range r.objects {
		if strings.HasPrefix(k, kind+"/") {
			return true
		}
	}
	return false
}

func (r *rendered) kinds() []string {
	var ks []string
	for k := range r.objects {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// appConfig returns the app-config.production.yaml the pods mount.
func (r *rendered) appConfig(t *testing.T) (string, map[string]any) {
	t.Helper()
	cm := get[*corev1.ConfigMap](t, r, "ConfigMap", "callboard")
	text, ok := cm.Data["app-config.production.yaml"]
	if !ok {
		t.Fatalf("ConfigMap has no app-config.production.yaml: %v", cm.Data)
	}
	var tree map[string]any
	if err := yaml.Unmarshal([]byte(text), &tree); err != nil {
		t.Fatalf("app-config.production.yaml: %v", err)
	}
	return text, tree
}

func (r *rendered) container(t *testing.T) corev1.Container {
	t.Helper()
	d := get[*appsv1.Deployment](t, r, "Deployment", "callboard")
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("%d containers, want 1", n)
	}
	return d.Spec.Template.Spec.Containers[0]
}

func envByName(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

// lookup follows a dotted path in a decoded YAML tree.
func lookup(tree map[string]any, path string) any {
	var v any = tree
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// checkConfig holds for every rendering: the config names only
// environment variables the pod has, credentials in it are only ${VAR}
// references, and callboard loads it over the image's base config.
func checkConfig(t *testing.T, r *rendered) *config.Config {
	t.Helper()
	text, tree := r.appConfig(t)
	c := r.container(t)
	env := envByName(c)
	for _, m := range varRef.FindAllStringSubmatch(text, -1) {
		if _, ok := env[m[1]]; !ok {
			t.Errorf("app-config.production.yaml uses ${%s}, which the pod's environment does not set", m[1])
		}
	}
	checkNoSecrets(t, "appConfig", tree)

	getenv := func(name string) string {
		e, ok := env[name]
		switch {
		case !ok:
			return ""
		case e.ValueFrom != nil:
			return "from-secret-" + strings.ToLower(name)
		}
		return e.Value
	}
	files := map[string]func() ([]byte, error){
		"/app/app-config.yaml":            func() ([]byte, error) { return os.ReadFile("../image/app-config.yaml") },
		"/app/app-config.production.yaml": func() ([]byte, error) { return []byte(text), nil },
	}
	var paths []string
	for i, a := range c.Args {
		if a == "--config" && i+1 < len(c.Args) {
			paths = append(paths, c.Args[i+1])
		}
	}
	if want := []string{"/app/app-config.yaml", "/app/app-config.production.yaml"}; strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("container --config files = %v, want %v", paths, want)
	}
	cfg, err := config.Load(paths, getenv, func(p string) ([]byte, error) {
		if f, ok := files[p]; ok {
			return f()
		}
		return nil, fmt.Errorf("%s: not in the pod", p)
	})
	if err != nil {
		t.Fatalf("callboard cannot load the rendered config: %v\n%s", err, text)
	}
	if got := cfg.Backend.Database.Driver(); got != "postgres" && env["POSTGRES_HOST"].Value != "" && lookup(tree, "backend.database.client") == "pg" {
		t.Errorf("database driver %q, want postgres", got)
	}
	return cfg
}

// credentialKeys name config keys whose values are secrets.
var credentialKeys = regexp.MustCompile(`(?i)^(password|token|apitoken|clientsecret|secret|serviceaccounttoken|secretaccesskey|privatekey|webhooksecret)$`)

// checkNoSecrets fails for a credential key holding anything but a
// ${VAR} reference or a $env/$file directive.
func checkNoSecrets(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			p := path + "." + k
			if s, ok := x.(string); ok && credentialKeys.MatchString(k) && !varRef.MatchString(s) {
				t.Errorf("%s holds a literal secret in the ConfigMap; write ${VAR} and set VAR with secretEnv", p)
			}
			checkNoSecrets(t, p, x)
		}
	case []any:
		for i, x := range v {
			checkNoSecrets(t, fmt.Sprintf("%s[%d]", path, i), x)
		}
	}
}
