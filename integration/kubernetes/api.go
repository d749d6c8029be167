package kubernetes

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"callboard"
	"callboard/plugin"
)

// ClusterHeader names the cluster of a proxy request, as in Backstage.
const ClusterHeader = "Backstage-Kubernetes-Cluster"

func (k *k8s) routes() []plugin.Route {
	return []plugin.Route{
		{Method: "POST", Path: "/resources/workloads/query", Permission: PermResourcesRead, Handler: k.handleWorkloads},
		{Method: "POST", Path: "/resources/custom/query", Permission: PermResourcesRead, Handler: k.handleCustom},
		{Method: "POST", Path: "/services/{entityName}", Permission: PermResourcesRead, Handler: k.handleService},
		{Method: "GET", Path: "/clusters", Permission: PermClustersRead, Handler: k.handleClusters},
		{Method: "GET", Path: "/proxy/{path...}", Permission: PermProxy, Handler: k.handleProxy},
		{Method: "GET", Path: "/logs", Permission: PermProxy, Handler: k.handleLogs},
		{Method: "GET", Path: "/drift/{namespace}/{kind}/{name}", Permission: PermResourcesRead, Handler: k.handleDrift},
	}
}

// entityFor loads the entity a request names; the catalog only shows the
// caller what they may read.
func (k *k8s) entityFor(r *http.Request, ref string) (*callboard.Entity, error) {
	if ref == "" {
		return nil, callboard.Errorf(callboard.Invalid, "entity is a required field")
	}
	er, err := callboard.ParseRef(ref, "", "")
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "Invalid entity ref, %v", err)
	}
	return k.catalog.Entity(r.Context(), er)
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

type queryBody struct {
	EntityRef       string           `json:"entityRef"`
	Auth            map[string]any   `json:"auth"`
	CustomResources []CustomResource `json:"customResources"`
}

func decodeBody(r *http.Request, into any) error {
	if err := json.NewDecoder(r.Body).Decode(into); err != nil && err != io.EOF {
		return callboard.Errorf(callboard.Invalid, "the body is not JSON: %v", err)
	}
	return nil
}

// handleWorkloads serves POST /api/kubernetes/resources/workloads/query.
func (k *k8s) handleWorkloads(w http.ResponseWriter, r *http.Request) error {
	var b queryBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	e, err := k.entityFor(r, b.EntityRef)
	if err != nil {
		return err
	}
	return writeJSON(w, k.objects(r.Context(), e, nil, k.s.objectTypes))
}

// handleCustom serves POST /api/kubernetes/resources/custom/query: only
// the custom resources the body names.
func (k *k8s) handleCustom(w http.ResponseWriter, r *http.Request) error {
	var b queryBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	if len(b.CustomResources) == 0 {
		return callboard.Errorf(callboard.Invalid, "at least 1 customResource is required")
	}
	if err := checkCRs("customResources", b.CustomResources); err != nil {
		return err
	}
	e, err := k.entityFor(r, b.EntityRef)
	if err != nil {
		return err
	}
	return writeJSON(w, k.objects(r.Context(), e, b.CustomResources, []string{}))
}

// handleService serves Backstage's legacy POST /services/{entityName}
// with body {entity}: the entity is read from the catalog, never taken
// from the body, so a caller cannot choose the label selector.
func (k *k8s) handleService(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Entity *callboard.Entity `json:"entity"`
	}
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	ref := "component:default/" + r.PathValue("entityName")
	if b.Entity != nil && b.Entity.Kind != "" {
		ref = b.Entity.Ref().String()
	}
	e, err := k.entityFor(r, ref)
	if err != nil {
		return err
	}
	return writeJSON(w, k.objects(r.Context(), e, nil, k.s.objectTypes))
}

// handleClusters serves GET /api/kubernetes/clusters.
func (k *k8s) handleClusters(w http.ResponseWriter, r *http.Request) error {
	type details struct {
		Name         string `json:"name"`
		Title        string `json:"title,omitempty"`
		AuthProvider string `json:"authProvider"`
		DashboardURL string `json:"dashboardUrl,omitempty"`
		DashboardApp string `json:"dashboardApp,omitempty"`
	}
	out := struct {
		Items []details `json:"items"`
	}{Items: []details{}}
	for _, c := range k.s.clusters {
		out.Items = append(out.Items, details{Name: c.Name, Title: c.Title, AuthProvider: c.AuthProvider, DashboardURL: c.DashboardURL, DashboardApp: c.DashboardApp})
	}
	return writeJSON(w, out)
}

// logParams are the pod log query parameters passed to the cluster.
var logParams = []string{"container", "tailLines", "follow", "previous", "timestamps", "sinceSeconds", "limitBytes"}

// maxTail caps tailLines; the tab asks for 500.
const maxTail = 5000

// handleProxy serves GET /api/kubernetes/proxy/<API path>: a read-only
// proxy to one object of the entity named by ?entityRef=, or its pod's
// log, on the cluster of the Backstage-Kubernetes-Cluster header (or
// ?cluster=). Anything else — lists, secrets, objects the entity's
// selector does not match, other methods — is refused.
func (k *k8s) handleProxy(w http.ResponseWriter, r *http.Request) error {
	name := r.Header.Get(ClusterHeader)
	if name == "" {
		name = r.URL.Query().Get("cluster")
	}
	return k.proxy(w, r, name, r.PathValue("path"))
}

// handleLogs serves GET /api/kubernetes/logs?entityRef=&cluster=&target=
// {namespace}/{pod}/{container}&search=&follow=: the tab's log form, the
// proxy's pod log under one fixed path.
func (k *k8s) handleLogs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	parts := strings.Split(q.Get("target"), "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return callboard.Errorf(callboard.Invalid, "target must be {namespace}/{pod}/{container}, got %q", q.Get("target"))
	}
	q.Set("container", parts[2])
	r.URL.RawQuery = q.Encode()
	return k.proxy(w, r, q.Get("cluster"), "api/v1/namespaces/"+parts[0]+"/pods/"+parts[1]+"/log")
}

// proxy serves one object or pod log at the API path p of cluster name.
func (k *k8s) proxy(w http.ResponseWriter, r *http.Request, name, p string) error {
	q := r.URL.Query()
	e, err := k.entityFor(r, q.Get("entityRef"))
	if err != nil {
		return err
	}
	m := matchOf(e)
	clusters := k.s.clustersFor(m)
	i := slices.IndexFunc(clusters, func(c *cluster) bool { return c.Name == name })
	if i < 0 {
		return callboard.Errorf(callboard.NotFound, "cluster %q is not one of %s's clusters (name it in the %s header)", name, e.Ref(), ClusterHeader)
	}
	cc := k.clients[name]
	gvr, ns, obj, sub, err := parseProxyPath(p, cc.customResources)
	if err != nil {
		return err
	}
	if m.namespace != "" && ns != m.namespace {
		return callboard.Errorf(callboard.Forbidden, "%s's objects are in namespace %s", e.Ref(), m.namespace)
	}
	got, err := cc.dyn.Resource(gvr).Namespace(ns).Get(r.Context(), obj, metav1.GetOptions{})
	if err != nil {
		fe := cc.fetchError(resourcePath(gvr, ns)+"/"+obj, err)
		if fe.StatusCode == http.StatusNotFound {
			return callboard.Errorf(callboard.NotFound, "%s %s/%s not found on cluster %s", gvr.Resource, ns, obj, name)
		}
		return callboard.Errorf(callboard.Upstream, "cluster %s: %s %s", name, fe.ErrorType, fe.Message)
	}
	sel, err := labels.Parse(m.selector)
	if err != nil {
		return callboard.Errorf(callboard.Invalid, "%s: bad label selector %q: %v", e.Ref(), m.selector, err)
	}
	if !sel.Matches(labels.Set(got.GetLabels())) {
		return callboard.Errorf(callboard.Forbidden, "%s %s/%s is not one of %s's objects", gvr.Resource, ns, obj, e.Ref())
	}
	if sub == "" {
		return writeJSON(w, got.Object)
	}
	return k.streamLog(w, r, cc, ns, obj, q)
}

// parseProxyPath reads api/v1/namespaces/{ns}/{resource}/{name}[/log] or
// apis/{group}/{version}/namespaces/{ns}/{resource}/{name}: one object of
// a type the plugin fetches, or a pod's log.
func parseProxyPath(p string, crs []CustomResource) (gvr schema.GroupVersionResource, ns, name, sub string, err error) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	refuse := callboard.Errorf(callboard.Forbidden, "the proxy serves one object of the entity or its pod's log (api/v1/namespaces/{ns}/pods/{pod}/log), not %q", p)
	switch {
	case len(parts) >= 6 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces":
		gvr = schema.GroupVersionResource{Version: "v1", Resource: parts[4]}
		parts = parts[3:]
	case len(parts) >= 7 && parts[0] == "apis" && parts[3] == "namespaces":
		gvr = schema.GroupVersionResource{Group: parts[1], Version: parts[2], Resource: parts[5]}
		parts = parts[4:]
	default:
		return gvr, "", "", "", refuse
	}
	ns, name = parts[0], parts[2]
	if len(parts) == 4 {
		sub = parts[3]
	}
	known := false
	for _, g := range gvrs {
		known = known || g == gvr
	}
	for _, cr := range crs {
		known = known || gvr == (schema.GroupVersionResource{Group: cr.Group, Version: cr.APIVersion, Resource: cr.Plural})
	}
	switch {
	case len(parts) > 4 || !known || ns == "" || name == "":
		return gvr, "", "", "", refuse
	case sub != "" && (sub != "log" || gvr.Resource != "pods"):
		return gvr, "", "", "", refuse
	}
	return gvr, ns, name, sub, nil
}

// streamLog copies a pod's log from the cluster: the last 500 lines
// unless tailLines says otherwise (at most maxTail), following when
// follow=true, and only the lines holding ?search= when given.
func (k *k8s) streamLog(w http.ResponseWriter, r *http.Request, cc *clusterClient, ns, pod string, q url.Values) error {
	params := url.Values{}
	for _, p := range logParams {
		if v := q.Get(p); v != "" {
			params.Set(p, v)
		}
	}
	tail, err := strconv.Atoi(params.Get("tailLines"))
	if err != nil || tail <= 0 || tail > maxTail {
		tail = 500
	}
	params.Set("tailLines", strconv.Itoa(tail))
	hc, err := rest.HTTPClientFor(cc.cfg)
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "kubernetes: client")
	}
	if params.Get("follow") == "true" {
		hc.Timeout = 0 // the stream lasts as long as the reader stays
	}
	u := strings.TrimSuffix(cc.URL, "/") + "/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/" + url.PathEscape(pod) + "/log?" + params.Encode()
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return callboard.Errorf(callboard.Upstream, "cluster %s did not answer: %v", cc.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return callboard.Errorf(callboard.Upstream, "cluster %s answered %s: %s", cc.Name, resp.Status, strings.TrimSpace(string(msg)))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	return copyLines(w, resp.Body, q.Get("search"))
}

// copyLines copies the log line by line, keeping those holding search
// (all when empty), flushing after each so a followed log streams.
func copyLines(w http.ResponseWriter, body io.Reader, search string) error {
	fl, _ := w.(http.Flusher)
	buf := make([]byte, 0, 64*1024)
	sc := bufioScanner(body, buf)
	for sc.Scan() {
		line := sc.Text()
		if search != "" && !strings.Contains(strings.ToLower(line), strings.ToLower(search)) {
			continue
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return nil // the reader left
		}
		if fl != nil {
			fl.Flush()
		}
	}
	return nil
}

// handleDrift serves GET /api/kubernetes/drift/{namespace}/{kind}/{name}:
// the entity's declared manifests against its clusters, field by field,
// with who changed each drifted field.
func (k *k8s) handleDrift(w http.ResponseWriter, r *http.Request) error {
	ref := callboard.EntityRef{Kind: r.PathValue("kind"), Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	e, err := k.catalog.Entity(r.Context(), ref)
	if err != nil {
		return err
	}
	rep, err := k.drift(r.Context(), e)
	if err != nil {
		return err
	}
	return writeJSON(w, rep)
}
