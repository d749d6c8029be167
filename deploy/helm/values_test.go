package helm_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// valuesFiles are the renderings every test below starts from.
var valuesFiles = []string{"", "production.yaml", "single-local-docs.yaml", "hpa.yaml"}

// caseName names a subtest after its values file.
func caseName(file string) string {
	if file == "" {
		return "default"
	}
	return strings.TrimSuffix(file, ".yaml")
}

func TestChartLint(t *testing.T) {
	for _, name := range valuesFiles {
		t.Run(caseName(name), func(t *testing.T) {
			vals, err := common.ReadValues([]byte(readValues(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			lint := action.NewLint()
			lint.Strict = true
			lint.Namespace = namespace
			lint.KubeVersion, err = common.ParseKubeVersion(kubeVersion)
			if err != nil {
				t.Fatal(err)
			}
			res := lint.Run([]string{chartDir}, vals.AsMap())
			if res.TotalChartsLinted != 1 {
				t.Errorf("linted %d charts, want 1", res.TotalChartsLinted)
			}
			for _, err := range res.Errors {
				t.Errorf("lint: %v", err)
			}
			for _, m := range res.Messages {
				if m.Severity > support.InfoSev {
					t.Errorf("lint: %v", m)
				}
			}
		})
	}
}

// Every values file renders objects the API types accept, and a config
// callboard loads with every ${VAR} set by the pod.
func TestChartRendersValuesFiles(t *testing.T) {
	for _, name := range valuesFiles {
		t.Run(caseName(name), func(t *testing.T) {
			r := mustRender(t, name)
			checkConfig(t, r)
			c := r.container(t)
			if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" ||
				c.LivenessProbe.HTTPGet.Port != intstr.FromString("http") {
				t.Errorf("liveness probe = %+v, want GET /healthz on port http", c.LivenessProbe)
			}
			if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("readiness probe = %+v, want GET /readyz", c.ReadinessProbe)
			}
			if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 7007 {
				t.Errorf("ports = %+v, want http 7007", c.Ports)
			}
			want := []string{"serve", "--config", "/app/app-config.yaml", "--config", "/app/app-config.production.yaml"}
			if !reflect.DeepEqual(c.Args, want) {
				t.Errorf("args = %q, want the brief's %q", c.Args, want)
			}
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("container securityContext = %+v, want a read-only root and no privilege escalation", sc)
			}
			tmpl := get[*appsv1.Deployment](t, r, "Deployment", "callboard").Spec.Template
			pod := tmpl.Spec
			if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
				t.Errorf("pod securityContext = %+v, want runAsNonRoot", psc)
			}
			mounts := map[string]string{}
			for _, m := range c.VolumeMounts {
				mounts[m.MountPath] = m.Name
			}
			for _, p := range []string{"/app/app-config.production.yaml", "/tmp", "/var/lib/callboard"} {
				if mounts[p] == "" {
					t.Errorf("nothing mounted at %s (the root filesystem is read-only)", p)
				}
			}
			pw := envByName(c)["POSTGRES_PASSWORD"]
			if pw.Value != "" || pw.ValueFrom == nil || pw.ValueFrom.SecretKeyRef == nil {
				t.Errorf("POSTGRES_PASSWORD = %+v, want a reference to a Secret", pw)
			}
			svc := get[*corev1.Service](t, r, "Service", "callboard")
			if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != intstr.FromString("http") {
				t.Errorf("service ports = %+v", svc.Spec.Ports)
			}
			checkSelects(t, "Service", svc.Spec.Selector, tmpl.Labels)
			if r.has("PodDisruptionBudget") {
				pdb := get[*policyv1.PodDisruptionBudget](t, r, "PodDisruptionBudget", "callboard")
				checkSelects(t, "PodDisruptionBudget", pdb.Spec.Selector.MatchLabels, tmpl.Labels)
			}
			if !strings.Contains(r.notes, "/readyz") {
				t.Errorf("NOTES.txt does not explain readiness:\n%s", r.notes)
			}
		})
	}
}

// checkSelects fails unless the selector picks the Deployment's pods.
func checkSelects(t *testing.T, what string, sel, podLabels map[string]string) {
	t.Helper()
	if len(sel) == 0 {
		t.Errorf("%s selects every pod", what)
	}
	for k, v := range sel {
		if podLabels[k] != v {
			t.Errorf("%s selects %s=%s; the pods have %q", what, k, v, podLabels[k])
		}
	}
}

func TestChartDefaults(t *testing.T) {
	r := mustRender(t, "")
	d := get[*appsv1.Deployment](t, r, "Deployment", "callboard")
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas = %v, want 3", d.Spec.Replicas)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("pod template lacks selector label %s=%s", k, v)
		}
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("rolling update = %+v, want maxUnavailable 0", ru)
	}
	if len(d.Spec.Template.Spec.TopologySpreadConstraints) == 0 {
		t.Error("three pods without a topology spread: one node could hold them all")
	}
	c := r.container(t)
	if c.Image != "callboard:0.1.0" {
		t.Errorf("image = %q, want callboard:<appVersion>", c.Image)
	}
	ref := envByName(c)["POSTGRES_PASSWORD"].ValueFrom.SecretKeyRef
	if ref.Name != "callboard-postgresql" || ref.Key != "password" {
		t.Errorf("POSTGRES_PASSWORD from %s/%s, want the existing Secret callboard-postgresql/password", ref.Name, ref.Key)
	}
	if r.has("Secret") || r.has("Ingress") || r.has("HorizontalPodAutoscaler") {
		t.Errorf("defaults render %v; want no Secret, Ingress or HPA", r.kinds())
	}
	pdb := get[*policyv1.PodDisruptionBudget](t, r, "PodDisruptionBudget", "callboard")
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("PDB maxUnavailable = %v, want 1", pdb.Spec.MaxUnavailable)
	}
	_, tree := r.appConfig(t)
	if got := lookup(tree, "techdocs.publisher.type"); got != "awsS3" {
		t.Errorf("three pods publish TechDocs with %v, want awsS3 (a local directory is not shared)", got)
	}
	if !strings.Contains(r.notes, "create secret generic callboard-postgresql") {
		t.Errorf("NOTES.txt does not say how to create the password Secret:\n%s", r.notes)
	}

	// RBAC: the service account is bound to the read-only role.
	sa := get[*corev1.ServiceAccount](t, r, "ServiceAccount", "callboard")
	if d.Spec.Template.Spec.ServiceAccountName != sa.Name {
		t.Errorf("pods run as %q, want %q", d.Spec.Template.Spec.ServiceAccountName, sa.Name)
	}
	b := get[*rbacv1.ClusterRoleBinding](t, r, "ClusterRoleBinding", "backstage-callboard-read-only")
	if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != "backstage-callboard-read-only" ||
		len(b.Subjects) != 1 || b.Subjects[0].Name != sa.Name || b.Subjects[0].Namespace != namespace {
		t.Errorf("binding = %+v", b)
	}
}

// The chart's ClusterRole has exactly the rules of
// deploy/kubernetes/rbac.yaml, the plugin's documented identity.
func TestChartRBACMatchesManifest(t *testing.T) {
	r := mustRender(t, "")
	role := get[*rbacv1.ClusterRole](t, r, "ClusterRole", "backstage-callboard-read-only")
	data, err := os.ReadFile("../kubernetes/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeStrict(string(data))
	if err != nil {
		t.Fatal(err)
	}
	want, ok := objs["ClusterRole/backstage-read-only"].(*rbacv1.ClusterRole)
	if !ok {
		t.Fatalf("deploy/kubernetes/rbac.yaml has no ClusterRole backstage-read-only: %v", objs)
	}
	if !reflect.DeepEqual(role.Rules, want.Rules) {
		t.Errorf("chart rules differ from deploy/kubernetes/rbac.yaml:\nchart: %+v\nfile:  %+v", role.Rules, want.Rules)
	}
	for _, rule := range role.Rules {
		for _, res := range rule.Resources {
			if res == "secrets" {
				t.Error("the read-only role can read Secrets")
			}
		}
		for _, v := range rule.Verbs {
			if v != "get" && v != "list" && v != "watch" {
				t.Errorf("the read-only role may %s", v)
			}
		}
	}
}

// The brief's production values: its image, ingress with cert-manager
// TLS, tokens from Secrets.
func TestChartProduction(t *testing.T) {
	r := mustRender(t, "production.yaml")
	cfg := checkConfig(t, r)
	if cfg.Backend.BaseURL != "https://backstage.company.com" {
		t.Errorf("backend.baseUrl = %q", cfg.Backend.BaseURL)
	}
	c := r.container(t)
	if c.Image != "my-registry.com/callboard:1.0.0" {
		t.Errorf("image = %q", c.Image)
	}
	env := envByName(c)
	for name, want := range map[string][2]string{
		"GITHUB_TOKEN":            {"callboard-github", "token"},
		"GITHUB_CLIENT_SECRET":    {"callboard-github", "client-secret"},
		"K8S_PROD_SA_TOKEN":       {"callboard-kubernetes", "prod-token"},
		"PAGERDUTY_TOKEN":         {"callboard-pagerduty", "api-token"},
		"POSTGRES_PASSWORD":       {"backstage-postgresql", "postgres-password"},
		"K8S_IN_CLUSTER_SA_TOKEN": {"callboard-sa-token", "token"},
	} {
		e := env[name]
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("%s = %+v, want a Secret reference", name, e)
			continue
		}
		if got := [2]string{e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key}; got != want {
			t.Errorf("%s from %v, want %v", name, got, want)
		}
	}
	tok := get[*corev1.Secret](t, r, "Secret", "callboard-sa-token")
	if tok.Type != corev1.SecretTypeServiceAccountToken || tok.Annotations["kubernetes.io/service-account.name"] != "callboard" {
		t.Errorf("token Secret = %+v", tok)
	}
	pod := get[*appsv1.Deployment](t, r, "Deployment", "callboard").Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || !*pod.AutomountServiceAccountToken {
		t.Error("the in-cluster entry's caFile needs the service account volume")
	}
	sa := get[*corev1.ServiceAccount](t, r, "ServiceAccount", "callboard")
	if sa.Annotations["eks.amazonaws.com/role-arn"] == "" {
		t.Errorf("service account annotations = %v", sa.Annotations)
	}

	ing := get[*networkingv1.Ingress](t, r, "Ingress", "callboard")
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingressClassName = %v, want nginx", ing.Spec.IngressClassName)
	}
	if ing.Annotations["cert-manager.io/cluster-issuer"] != "letsencrypt-prod" {
		t.Errorf("annotations = %v", ing.Annotations)
	}
	if len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != "backstage-tls" || len(ing.Spec.TLS[0].Hosts) != 1 || ing.Spec.TLS[0].Hosts[0] != "backstage.company.com" {
		t.Errorf("tls = %+v", ing.Spec.TLS)
	}
	if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "backstage.company.com" {
		t.Fatalf("rules = %+v", ing.Spec.Rules)
	}
	be := ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service
	if be.Name != "callboard" || be.Port.Name != "http" {
		t.Errorf("ingress backend = %+v", be)
	}
	if !strings.Contains(r.notes, "https://backstage.company.com/") {
		t.Errorf("NOTES.txt lacks the portal's URL:\n%s", r.notes)
	}
}

// With the ingress on and no baseUrl, the base URL is the ingress host.
func TestChartBaseURLFromIngress(t *testing.T) {
	r, err := render(t, "ingress: {enabled: true, host: portal.example.com, tls: [{secretName: t, hosts: [portal.example.com]}]}")
	if err != nil {
		t.Fatal(err)
	}
	if cfg := checkConfig(t, r); cfg.Backend.BaseURL != "https://portal.example.com" {
		t.Errorf("backend.baseUrl = %q", cfg.Backend.BaseURL)
	}
}

// One pod with local docs on a claim, the password in values.
func TestChartSingleReplicaLocalDocs(t *testing.T) {
	r := mustRender(t, "single-local-docs.yaml")
	d := get[*appsv1.Deployment](t, r, "Deployment", "callboard")
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", d.Spec.Replicas)
	}
	if r.has("PodDisruptionBudget") {
		t.Error("a PDB for one pod would block node drains")
	}
	text, tree := r.appConfig(t)
	if got := lookup(tree, "techdocs.publisher.type"); got != "local" {
		t.Errorf("publisher = %v", got)
	}
	dir := lookup(tree, "techdocs.publisher.local.publishDirectory")
	if dir != "/var/lib/callboard/techdocs" {
		t.Errorf("publishDirectory = %v", dir)
	}
	var claim string
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claim = v.Name + "=" + v.PersistentVolumeClaim.ClaimName
		}
	}
	if claim != "techdocs=callboard-techdocs" {
		t.Errorf("claim volume %q, want techdocs=callboard-techdocs", claim)
	}
	mounted := false
	for _, m := range r.container(t).VolumeMounts {
		mounted = mounted || m.Name == "techdocs" && m.MountPath == dir
	}
	if !mounted {
		t.Errorf("the techdocs volume is not mounted at %v", dir)
	}

	// The password is in the chart's Secret, never in the ConfigMap.
	const pw = "test-only-password-1234"
	if strings.Contains(text, pw) {
		t.Error("the ConfigMap holds the PostgreSQL password")
	}
	s := get[*corev1.Secret](t, r, "Secret", "callboard-postgresql")
	if string(s.Data["password"]) != pw {
		t.Errorf("Secret data = %v", s.Data)
	}
	ref := envByName(r.container(t))["POSTGRES_PASSWORD"].ValueFrom.SecretKeyRef
	if ref.Name != s.Name || ref.Key != "password" {
		t.Errorf("POSTGRES_PASSWORD from %s/%s", ref.Name, ref.Key)
	}
}

func TestChartAutoscaling(t *testing.T) {
	r := mustRender(t, "hpa.yaml")
	d := get[*appsv1.Deployment](t, r, "Deployment", "callboard")
	if d.Spec.Replicas != nil {
		t.Errorf("replicas = %d; with an HPA the Deployment must leave it to the HPA", *d.Spec.Replicas)
	}
	h := get[*autoscalingv2.HorizontalPodAutoscaler](t, r, "HorizontalPodAutoscaler", "callboard")
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas != 3 || h.Spec.MaxReplicas != 10 {
		t.Errorf("HPA min %v max %d, want 3..10", h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
	if ref := h.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("scale target = %+v", ref)
	}
	if len(h.Spec.Metrics) != 1 || h.Spec.Metrics[0].Resource == nil || h.Spec.Metrics[0].Resource.Target.AverageUtilization == nil ||
		*h.Spec.Metrics[0].Resource.Target.AverageUtilization != 60 {
		t.Errorf("metrics = %+v", h.Spec.Metrics)
	}
	if !r.has("PodDisruptionBudget") {
		t.Error("no PDB while autoscaled")
	}
	if _, tree := r.appConfig(t); lookup(tree, "techdocs.publisher.type") != "awsS3" {
		t.Errorf("autoscaled pods publish with %v, want awsS3", lookup(tree, "techdocs.publisher.type"))
	}
}

// Values that would make pods disagree, or that the schema refuses, fail
// the rendering with the key to change.
func TestChartRefuses(t *testing.T) {
	for _, tc := range []struct{ values, want string }{
		{"appConfig: {techdocs: {publisher: {type: local}}}", "local with more than one pod"},
		{"replicaCount: 1\nautoscaling: {enabled: true}\nappConfig: {techdocs: {publisher: {type: local}}}", "local with more than one pod"},
		{"appConfig: {techdocs: {publisher: {type: local}}}\ntechdocsLocal: {sharedAcrossReplicas: true}", "needs techdocsLocal.existingClaim"},
		{"appConfig: {backend: {database: {client: better-sqlite3, connection: /data/c.db}}}", "must be pg"},
		{"appConfig: {techdocs: {publisher: {awsS3: {bucketName: ''}}}}", "awsS3.bucketName is required"},
		{"postgresql: {auth: {existingSecret: ''}}", "postgresql.auth.existingSecret"},
		{"ingress: {enabled: true, host: ''}", "ingress.host is required"},
		{"replicas: 3", "replicas"},
		{"secretEnv: {GITHUB_TOKEN: {secretName: gh}}", "key"},
		{"appConfig: {techdocs: {publisher: {type: gcs}}}", "type"},
	} {
		_, err := render(t, tc.values)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("values %q: error %v, want one containing %q", tc.values, err, tc.want)
		}
	}
}

// A ReadWriteMany claim shared by every pod may hold local docs.
func TestChartSharedLocalDocs(t *testing.T) {
	r, err := render(t, "appConfig: {techdocs: {publisher: {type: local}}}\ntechdocsLocal: {existingClaim: docs-rwx, sharedAcrossReplicas: true}")
	if err != nil {
		t.Fatal(err)
	}
	if _, tree := r.appConfig(t); lookup(tree, "techdocs.publisher.type") != "local" || lookup(tree, "techdocs.publisher.awsS3") != nil {
		t.Errorf("techdocs = %v", lookup(tree, "techdocs"))
	}
}
