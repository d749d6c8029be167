// Package kubernetes is callboard's Kubernetes plugin, Backstage's
// kubernetes plugin in Go: with Backstage's config and annotations, it
// reads an entity's pods, workloads and events from each configured
// cluster with client-go (read-only), serves them with Backstage's
// /api/kubernetes shapes, and shows them in the entity's Kubernetes tab
// and a one-line health card on its overview.
package kubernetes

import (
	"context"
	"sync"
	"time"

	"callboard"
	"callboard/plugin"
)

// The plugin's permissions, Backstage's names.
const (
	PermResourcesRead = "kubernetes.resources.read"
	PermClustersRead  = "kubernetes.clusters.read"
	PermProxy         = "kubernetes.proxy"
)

// Plugin is the Kubernetes plugin, enabled by a kubernetes section;
// without one, entities with Kubernetes annotations get a tab that says
// how to connect a cluster. repos reads the entities' manifests from git
// for drift; nil turns drift off.
func Plugin(repos *Repos) plugin.Plugin {
	return plugin.Plugin{
		ID:        "kubernetes",
		Title:     "Kubernetes",
		ConfigKey: "kubernetes",
		Always:    true,
		Permissions: []callboard.Permission{
			{Name: PermResourcesRead, Action: "read"},
			{Name: PermClustersRead, Action: "read"},
			// No action, as Backstage declares it: pod logs may hold
			// what the default policy should not show everyone.
			{Name: PermProxy},
		},
		Setup: func(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
			return setup(ctx, env, repos)
		},
	}
}

// k8s is the enabled plugin.
type k8s struct {
	s       *settings
	clients map[string]*clusterClient
	catalog plugin.Catalog
	repos   *Repos

	mu    sync.Mutex
	cache map[string]cacheEntry
	// store keeps the drift job's facts: env.Facts, or memFacts.
	store callboard.FactStore
}

func setup(ctx context.Context, env plugin.Env, repos *Repos) (*plugin.Instance, error) {
	if !env.Configured() {
		k := &k8s{s: &settings{}}
		return &plugin.Instance{Tabs: []plugin.Tab{{ID: "kubernetes", Title: "Kubernetes", Applies: hasKubernetes, Render: k.tab}}}, nil
	}
	var cfg Config
	if err := env.Decode(&cfg); err != nil {
		return nil, err
	}
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	k := &k8s{s: s, clients: map[string]*clusterClient{}, catalog: env.Catalog, repos: repos, cache: map[string]cacheEntry{}}
	for _, c := range s.clusters {
		cc, err := newClusterClient(c, env.WrapTransport)
		if err != nil {
			return nil, err
		}
		k.clients[c.Name] = cc
	}
	in := &plugin.Instance{
		Tabs:   []plugin.Tab{{ID: "kubernetes", Title: "Kubernetes", Applies: hasKubernetes, Render: k.tab}},
		Cards:  []plugin.Card{{ID: "health", Title: "Kubernetes", Applies: hasKubernetes, Render: k.card}},
		Routes: k.routes(),
		Facts:  k.facts,
	}
	if repos != nil && env.Catalog != nil {
		k.store = env.Facts
		if k.store == nil {
			k.store = &memFacts{}
		}
		in.Jobs = []plugin.Job{k.driftJob(env.Log.Warn)}
		in.CatalogFilters = []plugin.CatalogFilter{k.driftedFilter()}
	}
	return in, nil
}

// objects returns the entity's objects on every cluster it may be on,
// fetched concurrently; each cluster answers within its own timeout.
func (k *k8s) objects(ctx context.Context, e *callboard.Entity, crs []CustomResource, types []string) ObjectsByEntityResponse {
	m := matchOf(e)
	clusters := k.s.clustersFor(m)
	out := ObjectsByEntityResponse{Items: make([]ClusterObjects, len(clusters))}
	var wg sync.WaitGroup
	for i, c := range clusters {
		wg.Go(func() {
			cc := k.clients[c.Name]
			cr := crs
			if cr == nil {
				cr = c.customResources
			}
			out.Items[i] = k.cached(ctx, cc, m, types, cr)
		})
	}
	wg.Wait()
	return out
}

// cached fetches through the short cache; failed answers are not kept.
func (k *k8s) cached(ctx context.Context, cc *clusterClient, m match, types []string, crs []CustomResource) ClusterObjects {
	key := cc.Name + "\x00" + m.selector + "\x00" + m.namespace + "\x00" + keyOf(types, crs)
	now := time.Now()
	k.mu.Lock()
	if e, ok := k.cache[key]; ok && now.Sub(e.at) < k.s.cacheTTL {
		k.mu.Unlock()
		return e.obj
	}
	k.mu.Unlock()
	obj := cc.fetch(ctx, m, types, crs)
	if len(obj.Errors) == 0 && k.s.cacheTTL > 0 {
		k.mu.Lock()
		k.cache[key] = cacheEntry{at: now, obj: obj}
		for kk, e := range k.cache { // drop the stale ones as we go
			if now.Sub(e.at) >= k.s.cacheTTL {
				delete(k.cache, kk)
			}
		}
		k.mu.Unlock()
	}
	return obj
}

func keyOf(types []string, crs []CustomResource) string {
	var b []byte
	for _, t := range types {
		b = append(b, t...)
		b = append(b, ',')
	}
	for _, c := range crs {
		b = append(b, c.Group+"/"+c.APIVersion+"/"+c.Plural+","...)
	}
	return string(b)
}
