package kubernetes

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"callboard"
)

// Object is a raw Kubernetes object as the API server sent it.
type Object = map[string]any

// ObjectsByEntityResponse is Backstage's answer to a workloads query.
type ObjectsByEntityResponse struct {
	Items []ClusterObjects `json:"items"`
}

// ClusterObjects is one cluster's objects of an entity.
type ClusterObjects struct {
	Cluster    ClusterAttributes `json:"cluster"`
	Resources  []FetchResponse   `json:"resources"`
	PodMetrics []PodMetrics      `json:"podMetrics"`
	Errors     []FetchError      `json:"errors"`
}

// ClusterAttributes names a cluster in answers; never its credentials.
type ClusterAttributes struct {
	Name         string `json:"name"`
	Title        string `json:"title,omitempty"`
	DashboardURL string `json:"dashboardUrl,omitempty"`
	DashboardApp string `json:"dashboardApp,omitempty"`
}

// FetchResponse is the objects of one type ("pods", "customresources").
type FetchResponse struct {
	Type      string   `json:"type"`
	Resources []Object `json:"resources"`
}

// FetchError is Backstage's KubernetesFetchError: an API error
// (BAD_REQUEST, UNAUTHORIZED_ERROR, NOT_FOUND, SYSTEM_ERROR,
// UNKNOWN_ERROR) with its status and path, or FETCH_ERROR (the cluster
// could not be reached) with a message.
type FetchError struct {
	ErrorType    string `json:"errorType"`
	StatusCode   int    `json:"statusCode,omitempty"`
	ResourcePath string `json:"resourcePath,omitempty"`
	Message      string `json:"message,omitempty"`
}

// PodMetrics is Backstage's ClientPodStatus: a pod's usage against its
// requests and limits (CPU in cores, memory in bytes).
type PodMetrics struct {
	Pod        Object             `json:"pod"`
	CPU        Usage              `json:"cpu"`
	Memory     Usage              `json:"memory"`
	Containers []ContainerMetrics `json:"containers"`
}

// Usage is a current usage with the sum of requests and limits.
type Usage struct {
	CurrentUsage float64 `json:"currentUsage"`
	RequestTotal float64 `json:"requestTotal"`
	LimitTotal   float64 `json:"limitTotal"`
}

// ContainerMetrics is one container's usage.
type ContainerMetrics struct {
	Container   string `json:"container"`
	CPUUsage    Usage  `json:"cpuUsage"`
	MemoryUsage Usage  `json:"memoryUsage"`
}

// gvrs are the API paths of the object types.
var gvrs = map[string]schema.GroupVersionResource{
	"pods":                     {Version: "v1", Resource: "pods"},
	"services":                 {Version: "v1", Resource: "services"},
	"configmaps":               {Version: "v1", Resource: "configmaps"},
	"deployments":              {Group: "apps", Version: "v1", Resource: "deployments"},
	"replicasets":              {Group: "apps", Version: "v1", Resource: "replicasets"},
	"statefulsets":             {Group: "apps", Version: "v1", Resource: "statefulsets"},
	"daemonsets":               {Group: "apps", Version: "v1", Resource: "daemonsets"},
	"horizontalpodautoscalers": {Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"},
	"jobs":                     {Group: "batch", Version: "v1", Resource: "jobs"},
	"cronjobs":                 {Group: "batch", Version: "v1", Resource: "cronjobs"},
	"ingresses":                {Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
}

var (
	eventsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "events"}
	metricsGVR = schema.GroupVersionResource{Group: "metrics.k8s.io", Version: "v1beta1", Resource: "pods"}
)

// pageSize is the limit of each list call; the rest comes by continue.
const pageSize = 500

// clusterClient talks to one cluster with client-go.
type clusterClient struct {
	*cluster
	cfg *rest.Config
	dyn *dynamic.DynamicClient
}

// wrap, when set, wraps client-go's transport (the host's metrics).
func newClusterClient(c *cluster, wrap func(http.RoundTripper) http.RoundTripper) (*clusterClient, error) {
	cfg := &rest.Config{
		Host:      c.URL,
		UserAgent: "callboard",
		Timeout:   c.timeout,
		// The portal's own pace, not client-go's default 5 QPS.
		QPS: 100, Burst: 200,
		TLSClientConfig: rest.TLSClientConfig{Insecure: c.SkipTLSVerify},
		WrapTransport:   wrap,
	}
	if c.AuthProvider == "serviceAccount" {
		cfg.BearerToken = c.ServiceAccountToken
	}
	if len(c.caPEM) > 0 && !c.SkipTLSVerify {
		ca := c.caPEM
		// Backstage's caData is base64 of the PEM, as in a kubeconfig.
		if !strings.Contains(string(ca), "-----BEGIN") {
			dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(ca)))
			if err != nil {
				return nil, callboard.Errorf(callboard.Invalid, "kubernetes: cluster %s: caData is neither PEM nor base64 of PEM", c.Name)
			}
			ca = dec
		}
		cfg.TLSClientConfig.CAData = ca
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "kubernetes: cluster %s: %v", c.Name, err)
	}
	return &clusterClient{cluster: c, cfg: cfg, dyn: dyn}, nil
}

func (cc *clusterClient) attributes() ClusterAttributes {
	return ClusterAttributes{Name: cc.Name, Title: cc.Title, DashboardURL: cc.DashboardURL, DashboardApp: cc.DashboardApp}
}

// resourcePath is the API path of a list, for errors.
func resourcePath(gvr schema.GroupVersionResource, ns string) string {
	p := "/api/" + gvr.Version
	if gvr.Group != "" {
		p = "/apis/" + gvr.Group + "/" + gvr.Version
	}
	if ns != "" {
		p += "/namespaces/" + ns
	}
	return p + "/" + gvr.Resource
}

// list lists gvr in ns with the options, following continue tokens.
func (cc *clusterClient) list(ctx context.Context, gvr schema.GroupVersionResource, ns string, opts metav1.ListOptions) ([]Object, error) {
	var out []Object
	opts.Limit = pageSize
	for {
		l, err := cc.dyn.Resource(gvr).Namespace(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, it := range l.Items {
			out = append(out, it.Object)
		}
		if opts.Continue = l.GetContinue(); opts.Continue == "" {
			return out, nil
		}
	}
}

// fetch returns the cluster's objects for m: each type listed
// concurrently, the whole bounded by the cluster's timeout. Failures are
// in Errors, one per failed path; a cluster that cannot be reached at all
// gives one FETCH_ERROR.
func (cc *clusterClient) fetch(ctx context.Context, m match, types []string, crs []CustomResource) ClusterObjects {
	ctx, cancel := context.WithTimeout(ctx, cc.timeout)
	defer cancel()
	out := ClusterObjects{Cluster: cc.attributes(), Resources: []FetchResponse{}, PodMetrics: []PodMetrics{}, Errors: []FetchError{}}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		byType  = map[string][]Object{}
		custom  []Object
		metrics []Object
		errs    []FetchError
	)
	fail := func(path string, err error) {
		mu.Lock()
		errs = append(errs, cc.fetchError(path, err))
		mu.Unlock()
	}
	opts := metav1.ListOptions{LabelSelector: m.selector}
	for _, t := range types {
		gvr := gvrs[t]
		wg.Go(func() {
			objs, err := cc.list(ctx, gvr, m.namespace, opts)
			if err != nil {
				fail(resourcePath(gvr, m.namespace), err)
				return
			}
			if t == "configmaps" {
				// Names only: a config map's values never leave the cluster.
				for _, o := range objs {
					delete(o, "data")
					delete(o, "binaryData")
					if md, ok := o["metadata"].(map[string]any); ok {
						delete(md, "managedFields")
						if an, ok := md["annotations"].(map[string]any); ok {
							delete(an, "kubectl.kubernetes.io/last-applied-configuration")
						}
					}
				}
			}
			mu.Lock()
			byType[t] = objs
			mu.Unlock()
		})
	}
	for _, cr := range crs {
		gvr := schema.GroupVersionResource{Group: cr.Group, Version: cr.APIVersion, Resource: cr.Plural}
		wg.Go(func() {
			objs, err := cc.list(ctx, gvr, m.namespace, opts)
			if err != nil {
				fail(resourcePath(gvr, m.namespace), err)
				return
			}
			mu.Lock()
			custom = append(custom, objs...)
			mu.Unlock()
		})
	}
	var events []Object
	wg.Go(func() {
		objs, err := cc.list(ctx, eventsGVR, m.namespace, metav1.ListOptions{FieldSelector: "type=Warning"})
		if err != nil {
			fail(resourcePath(eventsGVR, m.namespace), err)
			return
		}
		mu.Lock()
		events = objs
		mu.Unlock()
	})
	if !cc.SkipMetricsLookup && slices.Contains(types, "pods") {
		wg.Go(func() {
			objs, err := cc.list(ctx, metricsGVR, m.namespace, opts)
			if err != nil {
				fail(resourcePath(metricsGVR, m.namespace), err)
				return
			}
			mu.Lock()
			metrics = objs
			mu.Unlock()
		})
	}
	wg.Wait()
	// One cluster that cannot be reached is one error, not one per path.
	if i := slices.IndexFunc(errs, func(e FetchError) bool { return e.ErrorType == "FETCH_ERROR" }); i >= 0 && len(byType) == 0 {
		out.Errors = []FetchError{{ErrorType: "FETCH_ERROR", Message: errs[i].Message}}
		return out
	}
	slices.SortFunc(errs, func(a, b FetchError) int { return strings.Compare(a.ResourcePath, b.ResourcePath) })
	out.Errors = append(out.Errors, errs...)
	uids := map[string]bool{}
	for _, t := range types {
		objs, ok := byType[t]
		if !ok {
			continue
		}
		for _, o := range objs {
			uids[str(o, "metadata", "uid")] = true
		}
		out.Resources = append(out.Resources, FetchResponse{Type: t, Resources: nonNil(objs)})
	}
	if len(crs) > 0 {
		out.Resources = append(out.Resources, FetchResponse{Type: "customresources", Resources: nonNil(custom)})
		for _, o := range custom {
			uids[str(o, "metadata", "uid")] = true
		}
	}
	// Only the Warning events of the matched objects.
	var warnings []Object
	for _, ev := range events {
		if uids[str(ev, "involvedObject", "uid")] {
			warnings = append(warnings, ev)
		}
	}
	out.Resources = append(out.Resources, FetchResponse{Type: "events", Resources: nonNil(warnings)})
	out.PodMetrics = podMetrics(byType["pods"], metrics)
	return out
}

func nonNil(objs []Object) []Object {
	if objs == nil {
		return []Object{}
	}
	return objs
}

// fetchError turns a client-go error into Backstage's shape.
func (cc *clusterClient) fetchError(path string, err error) FetchError {
	var st apierrors.APIStatus
	if errors.As(err, &st) && st.Status().Code != 0 {
		code := int(st.Status().Code)
		typ := "UNKNOWN_ERROR"
		switch {
		case code == http.StatusBadRequest:
			typ = "BAD_REQUEST"
		case code == http.StatusUnauthorized || code == http.StatusForbidden:
			typ = "UNAUTHORIZED_ERROR"
		case code == http.StatusNotFound:
			typ = "NOT_FOUND"
		case code >= 500:
			typ = "SYSTEM_ERROR"
		}
		return FetchError{ErrorType: typ, StatusCode: code, ResourcePath: path, Message: st.Status().Message}
	}
	msg := err.Error()
	if cc.AuthProvider == "localKubectlProxy" && strings.Contains(msg, "connection refused") {
		msg += "; is `kubectl proxy` running? It listens on localhost:8001"
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "context deadline exceeded") || strings.Contains(msg, "Client.Timeout") {
		msg = fmt.Sprintf("cluster %s gave no answer within %s", cc.Name, cc.timeout)
	}
	return FetchError{ErrorType: "FETCH_ERROR", ResourcePath: path, Message: msg}
}

// podMetrics joins pods with their metrics.k8s.io usage.
func podMetrics(pods, metrics []Object) []PodMetrics {
	usage := map[string]Object{}
	for _, m := range metrics {
		usage[str(m, "metadata", "namespace")+"/"+str(m, "metadata", "name")] = m
	}
	out := []PodMetrics{}
	for _, p := range pods {
		m, ok := usage[str(p, "metadata", "namespace")+"/"+str(p, "metadata", "name")]
		if !ok {
			continue
		}
		pm := PodMetrics{Pod: p}
		used := map[string]Object{}
		for _, c := range list(m, "containers") {
			used[str(c, "name")] = c
		}
		for _, c := range list(p, "spec", "containers") {
			name := str(c, "name")
			cm := ContainerMetrics{Container: name,
				CPUUsage: Usage{CurrentUsage: quantity(str(used[name], "usage", "cpu")),
					RequestTotal: quantity(str(c, "resources", "requests", "cpu")),
					LimitTotal:   quantity(str(c, "resources", "limits", "cpu"))},
				MemoryUsage: Usage{CurrentUsage: quantity(str(used[name], "usage", "memory")),
					RequestTotal: quantity(str(c, "resources", "requests", "memory")),
					LimitTotal:   quantity(str(c, "resources", "limits", "memory"))}}
			pm.Containers = append(pm.Containers, cm)
			add(&pm.CPU, cm.CPUUsage)
			add(&pm.Memory, cm.MemoryUsage)
		}
		out = append(out, pm)
	}
	return out
}

func add(u *Usage, v Usage) {
	u.CurrentUsage += v.CurrentUsage
	u.RequestTotal += v.RequestTotal
	u.LimitTotal += v.LimitTotal
}

func quantity(s string) float64 {
	if s == "" {
		return 0
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0
	}
	return q.AsApproximateFloat64()
}

// str reads a string at a path of nested maps; "" when absent.
func str(o Object, path ...string) string {
	s, _, _ := unstructured.NestedString(o, path...)
	return s
}

// num reads an integer at a path; 0 when absent.
func num(o Object, path ...string) int64 {
	v, ok, _ := unstructured.NestedFieldNoCopy(o, path...)
	if !ok {
		return 0
	}
	switch v := v.(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	case int:
		return int64(v)
	}
	return 0
}

// list reads a list of objects at a path.
func list(o Object, path ...string) []Object {
	v, ok, _ := unstructured.NestedFieldNoCopy(o, path...)
	if !ok {
		return nil
	}
	items, _ := v.([]any)
	var out []Object
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// cacheEntry is a cached answer.
type cacheEntry struct {
	at  time.Time
	obj ClusterObjects
}
