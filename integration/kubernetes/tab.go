package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// html builds markup around escaped text: the tab's headings and bars,
// which plugin/ui has no block for.
func html(format string, args ...any) template.HTML {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = template.HTMLEscapeString(s)
		}
	}
	return template.HTML(fmt.Sprintf(format, args...)) //nolint:gosec // every string argument is escaped
}

// howToConnect is shown when no cluster is configured.
var howToConnect = ui.Empty("No Kubernetes cluster is connected",
	"On a laptop, run `kubectl proxy` and add to app-config.yaml: kubernetes: {serviceLocatorMethod: {type: multiTenant}, clusterLocatorMethods: [{type: localKubectlProxy}]}. "+
		"For a shared portal, list clusters under a clusterLocatorMethods entry of type config with a read-only service account (deploy/kubernetes/rbac.yaml).")

// tab renders the Kubernetes tab.
func (k *k8s) tab(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	if len(k.s.clusters) == 0 {
		return howToConnect, nil
	}
	res := k.objects(ctx, e, nil, k.s.objectTypes)
	if len(res.Items) == 0 {
		return ui.Empty("No cluster to look in", fmt.Sprintf("%s names cluster %q (%s), which is not configured.", e.Ref(), e.Annotation(AnnotationCluster), AnnotationCluster)), nil
	}
	parts := []template.HTML{}
	for _, co := range res.Items {
		parts = append(parts, k.clusterSection(e, co, plugin.Allowed(ctx, PermProxy, nil)))
	}
	if k.repos != nil && hasManifests(e) {
		parts = append(parts, k.driftSection(ctx, e))
	}
	return ui.Join(parts...), nil
}

// driftSection shows the fields that differ from git, and who changed
// them.
func (k *k8s) driftSection(ctx context.Context, e *callboard.Entity) template.HTML {
	head := html(`<h2 class="k8s-drift">Drift from git</h2>`)
	rep, err := k.drift(ctx, e)
	if err != nil {
		return ui.Join(head, ui.Unavailable("Drift", callboard.ErrorMessage(err)))
	}
	where := rep.Path + " of " + rep.Source
	if rep.Branch != "" {
		where += " (" + rep.Branch + ")"
	}
	declared := "Declared in git at " + short(rep.Commit)
	if !rep.Drifted {
		return ui.Join(head, ui.Status(ui.OK, "Every object declared in git at "+short(rep.Commit)+" in "+where+" is running as declared"))
	}
	rows := [][]any{}
	for _, od := range rep.Objects {
		obj := od.Kind + " " + od.Namespace + "/" + od.Name
		switch {
		case od.Missing:
			rows = append(rows, []any{od.Cluster, obj, ui.Status(ui.Bad, "missing"), "declared", "not running", ""})
		case od.Error != "":
			rows = append(rows, []any{od.Cluster, obj, ui.Status(ui.Muted, "unknown"), "", od.Error, ""})
		}
		for _, f := range od.Fields {
			who := f.Manager
			if f.Operation != "" {
				who += " (" + f.Operation + ")"
			}
			by := any(who)
			if t, err := time.Parse(time.RFC3339, f.Time); err == nil {
				by = ui.Join(ui.Text(who+", "), ui.TimeAgo(t))
			}
			rows = append(rows, []any{od.Cluster, obj, f.Path, show(f.Declared), show(f.Running), by})
		}
	}
	parts := []template.HTML{head, ui.Status(ui.Warn, "The running objects differ from "+where+" at commit "+short(rep.Commit)),
		ui.Table([]string{"Cluster", "Object", "Field", declared, "Running", "Changed by"}, rows)}
	for _, w := range rep.Warnings {
		parts = append(parts, ui.Status(ui.Muted, w))
	}
	return ui.Join(parts...)
}

func show(v any) string {
	if v == nil {
		return "(absent)"
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// podProblem is one of Backstage's detected errors on a pod.
type podProblem struct {
	pod, container, reason, message, fix string
}

// fixes are what usually fixes each detected error, after Backstage's
// detectErrors proposals.
var fixes = map[string]string{
	"CrashLoopBackOff":           "The container keeps exiting. Read its last log lines (previous=true) for the crash; check the command, config and dependencies it needs at start.",
	"ImagePullBackOff":           "The image cannot be pulled. Check the image name and tag exist and the pull secret grants access to the registry.",
	"ErrImagePull":               "The image cannot be pulled. Check the image name and tag exist and the pull secret grants access to the registry.",
	"OOMKilled":                  "The container ran out of memory. Raise its memory limit or find the leak; compare usage with the limit below.",
	"CreateContainerConfigError": "A config map or secret the container needs is missing. Check the names in its env and volumes.",
	"Unready":                    "The readiness probe fails. Check the probe's path and port and what the container logs.",
}

// problems finds the pod's errors, as Backstage's detectErrors does.
func problems(pod Object) []podProblem {
	var out []podProblem
	name := str(pod, "metadata", "name")
	for _, cs := range list(pod, "status", "containerStatuses") {
		c := str(cs, "name")
		if r := str(cs, "state", "waiting", "reason"); fixes[r] != "" {
			msg := str(cs, "state", "waiting", "message")
			if lt := str(cs, "lastState", "terminated", "reason"); lt != "" {
				msg = strings.TrimSpace(fmt.Sprintf("last exit: %s (code %d) %s %s", lt, num(cs, "lastState", "terminated", "exitCode"), str(cs, "lastState", "terminated", "message"), msg))
			}
			out = append(out, podProblem{name, c, r, msg, fixes[r]})
			if lt := str(cs, "lastState", "terminated", "reason"); lt == "OOMKilled" {
				out = append(out, podProblem{name, c, "OOMKilled", "the container was killed for using more memory than its limit", fixes["OOMKilled"]})
			}
			continue
		}
		if str(cs, "lastState", "terminated", "reason") == "OOMKilled" {
			out = append(out, podProblem{name, c, "OOMKilled", "the container was killed for using more memory than its limit", fixes["OOMKilled"]})
		}
	}
	return out
}

// podLevel is a pod's status colour and text.
func podLevel(pod Object) (ui.Level, string) {
	if ps := problems(pod); len(ps) > 0 {
		return ui.Bad, ps[0].reason
	}
	phase := str(pod, "status", "phase")
	switch phase {
	case "Running":
		ready, total := readiness(pod)
		if ready < total {
			return ui.Warn, fmt.Sprintf("Running, %d/%d ready", ready, total)
		}
		return ui.OK, "Running"
	case "Succeeded":
		return ui.Muted, phase
	case "Pending":
		return ui.Warn, phase
	case "Failed":
		return ui.Bad, phase
	}
	return ui.Muted, phase
}

func readiness(pod Object) (ready, total int) {
	for _, cs := range list(pod, "status", "containerStatuses") {
		total++
		if b, _ := cs["ready"].(bool); b {
			ready++
		}
	}
	return ready, total
}

func restarts(pod Object) int64 {
	var n int64
	for _, cs := range list(pod, "status", "containerStatuses") {
		n += num(cs, "restartCount")
	}
	return n
}

func typed(co ClusterObjects, t string) []Object {
	for _, r := range co.Resources {
		if r.Type == t {
			return r.Resources
		}
	}
	return nil
}

// clusterSection renders one cluster's objects; canLogs offers the pods'
// logs (the caller holds kubernetes.proxy).
func (k *k8s) clusterSection(e *callboard.Entity, co ClusterObjects, canLogs bool) template.HTML {
	title := co.Cluster.Title
	if title == "" {
		title = co.Cluster.Name
	}
	parts := []template.HTML{html(`<h2 class="k8s-cluster">%s</h2>`, title)}
	if co.Cluster.DashboardURL != "" {
		parts = append(parts, ui.Link(co.Cluster.DashboardURL, "Open the cluster's dashboard"))
	}
	for _, fe := range co.Errors {
		reason := fe.ErrorType
		if fe.StatusCode != 0 {
			reason += fmt.Sprintf(" (%d)", fe.StatusCode)
		}
		if fe.ResourcePath != "" {
			reason += " on " + fe.ResourcePath
		}
		if fe.Message != "" {
			reason += ": " + fe.Message
		}
		parts = append(parts, ui.Unavailable("Cluster "+co.Cluster.Name, reason))
	}
	pods := typed(co, "pods")
	// Detected errors first: that is what on-call came for.
	var found []podProblem
	for _, p := range pods {
		found = append(found, problems(p)...)
	}
	if len(found) > 0 {
		rows := [][]any{}
		for _, p := range found {
			rows = append(rows, []any{ui.Status(ui.Bad, p.reason), p.pod + " / " + p.container, p.message, p.fix})
		}
		parts = append(parts, html(`<h3>Errors</h3>`), ui.Table([]string{"Error", "Pod / container", "Message", "What usually fixes it"}, rows))
	}
	if ds := typed(co, "deployments"); len(ds) > 0 {
		rows := [][]any{}
		for _, d := range ds {
			desired, updated := num(d, "spec", "replicas"), num(d, "status", "updatedReplicas")
			ready, avail := num(d, "status", "readyReplicas"), num(d, "status", "availableReplicas")
			level := ui.OK
			if ready < desired || updated < desired {
				level = ui.Warn
			}
			if ready == 0 && desired > 0 {
				level = ui.Bad
			}
			bar := html(`<progress max="%d" value="%d" title="%d of %d updated and ready"></progress>`, max(desired, 1), min(updated, ready), min(updated, ready), desired)
			rows = append(rows, []any{ui.Status(level, str(d, "metadata", "name")), bar, desired, updated, ready, avail})
		}
		parts = append(parts, html(`<h3>Deployments</h3>`), ui.Table([]string{"Deployment", "Rollout", "Desired", "Updated", "Ready", "Available"}, rows))
	}
	if len(pods) > 0 {
		usage := map[string]PodMetrics{}
		for _, pm := range co.PodMetrics {
			usage[str(pm.Pod, "metadata", "name")] = pm
		}
		rows := [][]any{}
		var targets []string
		pods = slices.Clone(pods) // the cached answer stays as listed
		sort.SliceStable(pods, func(i, j int) bool { return str(pods[i], "metadata", "name") < str(pods[j], "metadata", "name") })
		for _, p := range pods {
			level, text := podLevel(p)
			ready, total := readiness(p)
			name, ns := str(p, "metadata", "name"), str(p, "metadata", "namespace")
			res := "—"
			if pm, ok := usage[name]; ok {
				res = fmt.Sprintf("CPU %.0fm of %.0fm (limit %.0fm) · memory %s of %s (limit %s)",
					pm.CPU.CurrentUsage*1000, pm.CPU.RequestTotal*1000, pm.CPU.LimitTotal*1000,
					mib(pm.Memory.CurrentUsage), mib(pm.Memory.RequestTotal), mib(pm.Memory.LimitTotal))
			}
			var logs []template.HTML
			for _, c := range list(p, "spec", "containers") {
				u := logURL(e, co.Cluster.Name, ns, name, str(c, "name"))
				logs = append(logs, ui.Link(u, str(c, "name")), ui.Text(" ("), ui.Link(u+"&follow=true", "follow"), ui.Text(") "))
				t := ns + "/" + name + "/" + str(c, "name")
				if level == ui.Bad {
					// The failing pods' containers come first: that is
					// whose log on-call wants.
					targets = append([]string{t}, targets...)
				} else {
					targets = append(targets, t)
				}
			}
			row := []any{name, ui.Status(level, text), fmt.Sprintf("%d/%d", ready, total), restarts(p), res}
			if canLogs {
				row = append(row, ui.Join(logs...))
			}
			rows = append(rows, row)
		}
		head := []string{"Pod", "Status", "Ready", "Restarts", "Resources"}
		if canLogs {
			head = append(head, "Logs (last 500 lines)")
		}
		parts = append(parts, html(`<h3>Pods</h3>`), ui.Table(head, rows))
		if canLogs {
			parts = append(parts, logForm(e, co.Cluster.Name, targets))
		}
	}
	if hs := typed(co, "horizontalpodautoscalers"); len(hs) > 0 {
		rows := [][]any{}
		for _, h := range hs {
			lo, hi, cur := num(h, "spec", "minReplicas"), num(h, "spec", "maxReplicas"), num(h, "status", "currentReplicas")
			if lo == 0 {
				lo = 1
			}
			st := ui.Status(ui.OK, "within range")
			if cur >= hi {
				st = ui.Status(ui.Warn, "at max: it cannot scale further; raise maxReplicas or find the load")
			}
			rows = append(rows, []any{str(h, "metadata", "name"), lo, hi, cur, st})
		}
		parts = append(parts, html(`<h3>Autoscalers</h3>`), ui.Table([]string{"HPA", "Min", "Max", "Current", ""}, rows))
	}
	if crs := typed(co, "customresources"); len(crs) > 0 {
		rows := [][]any{}
		for _, cr := range crs {
			detail := str(cr, "status", "phase")
			if steps := list(cr, "spec", "strategy", "canary", "steps"); len(steps) > 0 {
				detail += fmt.Sprintf(", step %d of %d", num(cr, "status", "currentStepIndex"), len(steps))
			}
			rows = append(rows, []any{str(cr, "kind"), str(cr, "metadata", "name"), detail})
		}
		parts = append(parts, html(`<h3>Custom resources</h3>`), ui.Table([]string{"Kind", "Name", "Status"}, rows))
	}
	if evs := typed(co, "events"); len(evs) > 0 {
		evs = slices.Clone(evs)
		sort.SliceStable(evs, func(i, j int) bool { return str(evs[i], "lastTimestamp") > str(evs[j], "lastTimestamp") })
		rows := [][]any{}
		for i, ev := range evs {
			if i == 20 {
				break
			}
			when := any(str(ev, "lastTimestamp"))
			if t, err := time.Parse(time.RFC3339, str(ev, "lastTimestamp")); err == nil {
				when = ui.TimeAgo(t)
			}
			rows = append(rows, []any{ui.Status(ui.Warn, str(ev, "reason")), str(ev, "involvedObject", "kind") + " " + str(ev, "involvedObject", "name"), str(ev, "message"), num(ev, "count"), when})
		}
		parts = append(parts, html(`<h3>Recent warnings</h3>`), ui.Table([]string{"Reason", "Object", "Message", "Count", "Last seen"}, rows))
	}
	rows := [][]any{}
	for _, t := range []string{"services", "ingresses", "configmaps", "statefulsets", "daemonsets", "jobs", "cronjobs", "replicasets"} {
		for _, o := range typed(co, t) {
			rows = append(rows, []any{t, str(o, "metadata", "namespace") + "/" + str(o, "metadata", "name")})
		}
	}
	if len(rows) > 0 {
		parts = append(parts, html(`<h3>Other objects</h3>`), ui.Table([]string{"Type", "Name"}, rows))
	}
	if len(pods) == 0 && len(co.Errors) == 0 {
		parts = append(parts, ui.Empty("Nothing found", "No objects match "+matchOf(e).selector+" on this cluster."))
	}
	return ui.Join(parts...)
}

func mib(b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0fMi", b/(1<<20))
}

// logForm is the log viewer: a container's last 500 lines, only those
// holding a word, or followed as they come. Without scripts it opens the
// plain-text log in a new tab; with the portal's app.js (data-logview) it
// shows the lines in the tab, searches them as you type and follows by
// reloading every few seconds.
func logForm(e *callboard.Entity, clusterName string, targets []string) template.HTML {
	var opts strings.Builder
	for _, t := range targets {
		fmt.Fprintf(&opts, `<option value="%s">%s</option>`, template.HTMLEscapeString(t), template.HTMLEscapeString(t))
	}
	// Into the format below: a % of the name must stay literal.
	id := strings.ReplaceAll(template.HTMLEscapeString("k8s-log-"+clusterName), "%", "%%")
	return html(`<form class="k8s-logs" method="get" action="/api/kubernetes/logs" target="_blank" data-logview="`+id+`">`+
		`<input type="hidden" name="entityRef" value="%s"><input type="hidden" name="cluster" value="%s"><input type="hidden" name="tailLines" value="500">`+
		`<label>Logs of <select name="target">%s</select></label> `+
		`<label>containing <input type="search" name="search" placeholder="any line"></label> `+
		`<label><input type="checkbox" name="follow" value="true"> follow</label> <button class="btn" type="submit">Open logs</button></form>`+
		`<div class="k8s-logview" id="`+id+`" hidden><p class="sub" data-status aria-live="polite"></p><pre class="code" tabindex="0" aria-label="Log lines"></pre></div>`,
		e.Ref().String(), clusterName, template.HTML(opts.String())) //nolint:gosec // escaped above
}

// logURL is the proxy path of a container's last 500 log lines.
func logURL(e *callboard.Entity, clusterName, ns, pod, container string) string {
	q := url.Values{"entityRef": {e.Ref().String()}, "cluster": {clusterName}, "container": {container}, "tailLines": {"500"}}
	return "/api/kubernetes/proxy/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/" + url.PathEscape(pod) + "/log?" + q.Encode()
}

// card is the overview's one line: "3/3 pods ready on production, 1
// crash looping on staging".
func (k *k8s) card(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	if len(k.s.clusters) == 0 {
		return howToConnect, nil
	}
	if !slices.Contains(k.s.objectTypes, "pods") {
		return ui.Status(ui.Muted, "Pods are not fetched (kubernetes.objectTypes)"), nil
	}
	res := k.objects(ctx, e, nil, []string{"pods"})
	var lines []string
	level := ui.OK
	for _, co := range res.Items {
		if len(co.Errors) > 0 {
			lines = append(lines, co.Cluster.Name+" unreachable ("+co.Errors[0].ErrorType+")")
			level = ui.Warn
			continue
		}
		pods := typed(co, "pods")
		ready, crash := 0, 0
		for _, p := range pods {
			if r, t := readiness(p); t > 0 && r == t && str(p, "status", "phase") == "Running" {
				ready++
			}
			for _, pr := range problems(p) {
				if pr.reason == "CrashLoopBackOff" {
					crash++
					break
				}
			}
		}
		line := fmt.Sprintf("%d/%d pods ready on %s", ready, len(pods), co.Cluster.Name)
		if crash > 0 {
			line += fmt.Sprintf(", %d crash looping", crash)
			level = ui.Bad
		} else if ready < len(pods) && level == ui.OK {
			level = ui.Warn
		}
		lines = append(lines, line)
	}
	return ui.Status(level, strings.Join(lines, "; ")), nil
}
