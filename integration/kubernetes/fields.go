package kubernetes

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The fields drift compares, as the issue lists them: labels; a
// workload's replicas (unless an HPA owns them) and its containers'
// image, resources, probes, ports and env names; a Service's type and
// ports; an HPA's bounds. Other kinds (ConfigMaps: names only, never
// values) are compared by their labels and whether they run.
var containerFields = []string{"image", "resources", "livenessProbe", "readinessProbe", "startupProbe", "ports"}

// podTemplate is where a workload kind keeps its pod template.
var podTemplate = map[string][]string{
	"Deployment": {"spec", "template"}, "StatefulSet": {"spec", "template"}, "DaemonSet": {"spec", "template"},
	"ReplicaSet": {"spec", "template"}, "Job": {"spec", "template"}, "CronJob": {"spec", "jobTemplate", "spec", "template"},
}

// mattering is o reduced to the fields drift compares; applied to the
// declared and the running object alike, so that both have the same
// shape. hpaOwned leaves out spec.replicas.
func mattering(o Object, hpaOwned bool) Object {
	out := Object{}
	put := func(v any, ok bool, path ...string) {
		if !ok || v == nil {
			return
		}
		m := out
		for _, k := range path[:len(path)-1] {
			next, _ := m[k].(map[string]any)
			if next == nil {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[path[len(path)-1]] = v
	}
	get := func(path ...string) (any, bool) {
		v, ok, _ := unstructured.NestedFieldNoCopy(o, path...)
		return v, ok
	}
	labels := func(path ...string) {
		v, ok := get(path...)
		put(v, ok, path...)
	}
	labels("metadata", "labels")
	kind := str(o, "kind")
	if tmpl, ok := podTemplate[kind]; ok {
		if !hpaOwned && kind != "DaemonSet" && kind != "CronJob" && kind != "Job" {
			v, ok := get("spec", "replicas")
			put(v, ok, "spec", "replicas")
		}
		labels(append(tmpl[:len(tmpl):len(tmpl)], "metadata", "labels")...)
		for _, field := range []string{"initContainers", "containers"} {
			var cs []any
			for _, c := range list(o, append(tmpl[:len(tmpl):len(tmpl)], "spec", field)...) {
				keep := map[string]any{"name": c["name"]}
				for _, f := range containerFields {
					if c[f] != nil {
						keep[f] = c[f]
					}
				}
				if names := envNames(c); names != nil {
					keep["env"] = names
				}
				cs = append(cs, keep)
			}
			if cs != nil {
				put(cs, true, append(tmpl[:len(tmpl):len(tmpl)], "spec", field)...)
			}
		}
	}
	switch kind {
	case "Service":
		for _, f := range []string{"type", "ports"} {
			v, ok := get("spec", f)
			put(v, ok, "spec", f)
		}
	case "HorizontalPodAutoscaler":
		for _, f := range []string{"minReplicas", "maxReplicas"} {
			v, ok := get("spec", f)
			put(v, ok, "spec", f)
		}
	}
	return out
}

// envNames are the names of a container's env variables, sorted: their
// values may be secrets, and are not compared.
func envNames(c Object) []any {
	env, _ := c["env"].([]any)
	var names []string
	for _, e := range env {
		if m, ok := e.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				names = append(names, n)
			}
		}
	}
	if names == nil {
		return nil
	}
	sort.Strings(names)
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// hpaTargets are the workloads the declared HPAs scale ("Kind/name"),
// whose replicas are the HPA's to set.
func hpaTargets(objs []Object) map[string]bool {
	out := map[string]bool{}
	for _, o := range objs {
		if str(o, "kind") == "HorizontalPodAutoscaler" {
			out[str(o, "spec", "scaleTargetRef", "kind")+"/"+str(o, "spec", "scaleTargetRef", "name")] = true
		}
	}
	return out
}
