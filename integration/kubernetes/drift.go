package kubernetes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"reflect"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"

	"callboard"
)

// AnnotationManifests is the folder of the entity's repository, below
// its backstage.io/source-location, that holds its manifests: a Kustomize
// base or overlay (a kustomization.yaml), or plain YAML; default "k8s".
const AnnotationManifests = "callboard.io/kubernetes-manifests"

// FieldDrift is one field whose running value is not the declared one,
// with who last set it (from the object's managedFields).
type FieldDrift struct {
	Path      string `json:"path"`
	Declared  any    `json:"declared"`
	Running   any    `json:"running"`
	Manager   string `json:"manager,omitempty"`
	Operation string `json:"operation,omitempty"`
	Time      string `json:"time,omitempty"`
}

// ObjectDrift is one declared object on one cluster.
type ObjectDrift struct {
	Cluster   string       `json:"cluster"`
	Kind      string       `json:"kind"`
	Namespace string       `json:"namespace"`
	Name      string       `json:"name"`
	Missing   bool         `json:"missing,omitempty"`
	Error     string       `json:"error,omitempty"`
	Fields    []FieldDrift `json:"fields"`
}

// DriftReport compares an entity's declared manifests, at a commit of its
// repository, with its clusters.
type DriftReport struct {
	Entity string `json:"entity"`
	// Source is the repository, Branch its branch ("" the default one),
	// Path the manifests' folder and Commit what was read.
	Source   string        `json:"source"`
	Branch   string        `json:"branch"`
	Path     string        `json:"path"`
	Commit   string        `json:"commit"`
	Drifted  bool          `json:"drifted"`
	Objects  []ObjectDrift `json:"objects"`
	Warnings []string      `json:"warnings"`
}

// manifestsOf is where e's manifests are: its repository, the folder in
// it, and the folder read from git (the manifests folder's first
// segment, where an overlay's bases are: k8s/ for k8s/overlays/prod).
// ok is false when e has no url: source location.
func manifestsOf(e *callboard.Entity) (loc repoLocation, dir, scope string, ok bool, err error) {
	src, ok := strings.CutPrefix(e.Annotation(callboard.AnnotationSourceLocation), "url:")
	if !ok || src == "" {
		return loc, "", "", false, nil
	}
	if loc, err = locate(src); err != nil {
		return loc, "", "", true, err
	}
	rel := e.Annotation(AnnotationManifests)
	if rel == "" {
		rel = "k8s"
	}
	rel = path.Clean("/" + rel)[1:]
	if rel == "" {
		rel = "."
	}
	first, _, _ := strings.Cut(rel, "/")
	return loc, path.Join(loc.dir, rel), path.Join(loc.dir, first), true, nil
}

// hasManifests says whether e's repository may hold manifests.
func hasManifests(e *callboard.Entity) bool {
	_, _, _, ok, _ := manifestsOf(e)
	return ok
}

func decodeManifests(data []byte) ([]Object, error) {
	dec := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []Object
	for {
		var o Object
		if err := dec.Decode(&o); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if o == nil {
			continue
		}
		if str(o, "kind") == "" || str(o, "metadata", "name") == "" {
			return nil, fmt.Errorf("a document without kind or metadata.name")
		}
		out = append(out, o)
	}
}

// kindResources are the plurals of the kinds manifests hold.
var kindResources = map[string]string{"Ingress": "ingresses", "NetworkPolicy": "networkpolicies", "HorizontalPodAutoscaler": "horizontalpodautoscalers"}

func gvrOf(o Object) schema.GroupVersionResource {
	gv, _ := schema.ParseGroupVersion(str(o, "apiVersion"))
	kind := str(o, "kind")
	res, ok := kindResources[kind]
	if !ok {
		res = strings.ToLower(kind) + "s"
	}
	return gv.WithResource(res)
}

// drift compares e's declared objects with each of its clusters.
func (k *k8s) drift(ctx context.Context, e *callboard.Entity) (*DriftReport, error) {
	if k.repos == nil {
		return nil, callboard.Errorf(callboard.NotFound, "drift needs the portal's git reader")
	}
	loc, dir, scope, ok, err := manifestsOf(e)
	if !ok {
		return nil, callboard.Errorf(callboard.NotFound, "%s has no url: %s annotation to find its manifests by", e.Ref(), callboard.AnnotationSourceLocation)
	}
	if err != nil {
		return nil, err
	}
	co, err := k.repos.read(ctx, loc, scope)
	if err != nil {
		return nil, err
	}
	objs, err := render(co, dir)
	if err != nil {
		return nil, err
	}
	rep := &DriftReport{Entity: e.Ref().String(), Source: loc.repo, Branch: loc.branch, Path: dir, Commit: co.commit,
		Objects: []ObjectDrift{}, Warnings: []string{}}
	m := matchOf(e)
	owned := hpaTargets(objs)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range k.s.clustersFor(m) {
		cc := k.clients[c.Name]
		for _, o := range objs {
			if str(o, "kind") == "Secret" {
				continue // never read, never compared
			}
			wg.Go(func() {
				od := cc.driftOf(ctx, o, m.namespace, owned[str(o, "kind")+"/"+str(o, "metadata", "name")])
				mu.Lock()
				rep.Objects = append(rep.Objects, od)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	sort.Slice(rep.Objects, func(i, j int) bool {
		a, b := rep.Objects[i], rep.Objects[j]
		return a.Cluster+a.Kind+a.Namespace+a.Name < b.Cluster+b.Kind+b.Namespace+b.Name
	})
	for _, od := range rep.Objects {
		rep.Drifted = rep.Drifted || od.Missing || len(od.Fields) > 0
	}
	return rep, nil
}

// driftOf compares the fields that matter (mattering) of one declared
// object with the running one.
func (cc *clusterClient) driftOf(ctx context.Context, decl Object, ns string, hpaOwned bool) ObjectDrift {
	ctx, cancel := context.WithTimeout(ctx, cc.timeout)
	defer cancel()
	if d := str(decl, "metadata", "namespace"); d != "" {
		ns = d
	}
	if ns == "" {
		ns = "default"
	}
	od := ObjectDrift{Cluster: cc.Name, Kind: str(decl, "kind"), Namespace: ns, Name: str(decl, "metadata", "name"), Fields: []FieldDrift{}}
	gvr := gvrOf(decl)
	live, err := cc.dyn.Resource(gvr).Namespace(ns).Get(ctx, od.Name, metav1.GetOptions{})
	if err != nil {
		fe := cc.fetchError(resourcePath(gvr, ns)+"/"+od.Name, err)
		if fe.StatusCode == http.StatusNotFound {
			od.Missing = true
		} else {
			od.Error = fe.ErrorType + ": " + fe.Message
		}
		return od
	}
	want, got := mattering(decl, hpaOwned), mattering(live.Object, hpaOwned)
	var fields []FieldDrift
	diff(want, got, nil, func(p []step, d, r any) {
		fd := FieldDrift{Path: showPath(p), Declared: d, Running: r}
		fd.Manager, fd.Operation, fd.Time = blame(live.Object, p)
		fields = append(fields, fd)
	})
	if fields != nil {
		od.Fields = fields
	}
	return od
}

// step is one element of a field path: a key, or a list element known by
// its name (as managedFields writes k:{"name":...}) or index.
type step struct {
	key   string
	name  string
	index int
	elem  bool
}

func showPath(p []step) string {
	var b strings.Builder
	for _, s := range p {
		switch {
		case s.elem && s.name != "":
			fmt.Fprintf(&b, "[%s]", s.name)
		case s.elem:
			fmt.Fprintf(&b, "[%d]", s.index)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		}
	}
	return b.String()
}

// diff calls found for each declared field whose running value differs.
func diff(want, got any, p []step, found func([]step, any, any)) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			found(p, want, got)
			return
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			diff(w[k], g[k], append(p[:len(p):len(p)], step{key: k}), found)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			found(p, want, got)
			return
		}
		if byName(w) && byName(g) {
			running := map[string]any{}
			for _, it := range g {
				running[fmt.Sprint(it.(map[string]any)["name"])] = it
			}
			for _, it := range w {
				n := fmt.Sprint(it.(map[string]any)["name"])
				diff(it, running[n], append(p[:len(p):len(p)], step{elem: true, name: n}), found)
			}
			return
		}
		if len(w) != len(g) {
			found(p, want, got)
			return
		}
		for i := range w {
			diff(w[i], g[i], append(p[:len(p):len(p)], step{elem: true, index: i}), found)
		}
	default:
		if !sameScalar(want, got) {
			found(p, want, got)
		}
	}
}

func byName(items []any) bool {
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok || m["name"] == nil {
			return false
		}
	}
	return len(items) > 0
}

// sameScalar compares as the API server stores: numbers by value,
// quantities by amount ("0.5" is "500m").
func sameScalar(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	af, aok := number(a)
	bf, bok := number(b)
	if aok && bok {
		return af == bf
	}
	as, bs := fmt.Sprint(a), fmt.Sprint(b)
	qa, err1 := resource.ParseQuantity(as)
	qb, err2 := resource.ParseQuantity(bs)
	return b != nil && err1 == nil && err2 == nil && qa.Cmp(qb) == 0
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// blame finds who last set the field at p: of the managedFields entries
// that own p (or its nearest owned parent), the most recent.
func blame(live Object, p []step) (manager, operation, at string) {
	best := -1
	for _, mf := range list(live, "metadata", "managedFields") {
		fv, _ := mf["fieldsV1"].(map[string]any)
		depth := ownedDepth(fv, p)
		if depth < 0 {
			continue
		}
		t := str(mf, "time")
		if depth > best || (depth == best && t > at) {
			best, manager, operation, at = depth, str(mf, "manager"), str(mf, "operation"), t
		}
	}
	return manager, operation, at
}

// ownedDepth is how deep p goes into fields (FieldsV1), -1 when not at
// all.
func ownedDepth(fields map[string]any, p []step) int {
	cur := fields
	for i, s := range p {
		var key string
		switch {
		case !s.elem:
			key = "f:" + s.key
		case s.name != "":
			key = `k:{"name":"` + s.name + `"}`
		default:
			return i
		}
		next, ok := cur[key].(map[string]any)
		if !ok {
			if i == 0 {
				return -1
			}
			return i
		}
		cur = next
	}
	return len(p)
}

// facts reports drifted (kubernetes.drifted: source and key) for
// entities with manifests.
func (k *k8s) facts(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, error) {
	if k.repos == nil || !hasKubernetes(e) || !hasManifests(e) {
		return nil, nil
	}
	rep, err := k.drift(ctx, e)
	if err != nil {
		return nil, err
	}
	return []callboard.Fact{{Key: "drifted", Value: rep.Drifted}}, nil
}
