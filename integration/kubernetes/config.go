package kubernetes

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"callboard"
	"callboard/plugin"
)

// Config is the kubernetes section of app-config.yaml, with Backstage's
// keys (docs/features/kubernetes/configuration.md).
type Config struct {
	ServiceLocatorMethod  ServiceLocator   `yaml:"serviceLocatorMethod"`
	ClusterLocatorMethods []ClusterLocator `yaml:"clusterLocatorMethods"`
	// CustomResources are fetched from every cluster, with the cluster's
	// own list added.
	CustomResources []CustomResource `yaml:"customResources"`
	// ObjectTypes narrows the fetched kinds ("pods", "deployments", ...);
	// empty means all of them.
	ObjectTypes []string `yaml:"objectTypes"`
	// Timeout bounds each cluster's fetch (callboard's key; default 10s).
	Timeout string `yaml:"timeout"`
	// CacheTTL keeps a fetched answer this long (callboard's key; default
	// 30s, "0s" turns the cache off).
	CacheTTL string `yaml:"cacheTtl"`
	// DriftInterval is how often every entity's drift from git is
	// computed for the catalog's "Drifted from git" filter (callboard's
	// key; default 5m).
	DriftInterval string `yaml:"driftInterval"`
	// DriftConcurrency is how many entities the drift job scans at once
	// (callboard's key; default 4).
	DriftConcurrency int `yaml:"driftConcurrency"`
}

// ServiceLocator is serviceLocatorMethod; only multiTenant (every entity
// looked up on every cluster) is supported, as in Backstage's default.
type ServiceLocator struct {
	Type string `yaml:"type"`
}

// ClusterLocator is one of clusterLocatorMethods: type config with its
// clusters, or localKubectlProxy (a `kubectl proxy` on localhost:8001).
type ClusterLocator struct {
	Type     string          `yaml:"type"`
	Clusters []ClusterConfig `yaml:"clusters"`
}

// ClusterConfig is a cluster of a config locator.
type ClusterConfig struct {
	URL                 string           `yaml:"url"`
	Name                string           `yaml:"name"`
	Title               string           `yaml:"title"`
	AuthProvider        string           `yaml:"authProvider"`
	ServiceAccountToken string           `yaml:"serviceAccountToken"`
	CAData              string           `yaml:"caData"`
	CAFile              string           `yaml:"caFile"`
	SkipTLSVerify       bool             `yaml:"skipTLSVerify"`
	SkipMetricsLookup   bool             `yaml:"skipMetricsLookup"`
	DashboardURL        string           `yaml:"dashboardUrl"`
	DashboardApp        string           `yaml:"dashboardApp"`
	CustomResources     []CustomResource `yaml:"customResources"`
	// Timeout overrides kubernetes.timeout for this cluster (callboard's
	// key).
	Timeout string `yaml:"timeout"`
}

// CustomResource names a custom resource to fetch, e.g. Argo Rollouts:
// {group: argoproj.io, apiVersion: v1alpha1, plural: rollouts}.
type CustomResource struct {
	Group      string `yaml:"group"`
	APIVersion string `yaml:"apiVersion"`
	Plural     string `yaml:"plural"`
}

// cluster is a checked cluster.
type cluster struct {
	ClusterConfig
	timeout         time.Duration
	customResources []CustomResource
	caPEM           []byte
}

// objectTypes are the kinds Backstage fetches by default, in its order.
var objectTypes = []string{"pods", "services", "configmaps", "deployments", "replicasets",
	"horizontalpodautoscalers", "jobs", "cronjobs", "ingresses", "statefulsets", "daemonsets"}

// kubectlProxyURL is where `kubectl proxy` listens by default.
const kubectlProxyURL = "http://localhost:8001"

// settings is the checked config.
type settings struct {
	clusters    []*cluster
	objectTypes []string
	cacheTTL    time.Duration
	driftEvery  time.Duration
	// driftWorkers is how many entities the drift job scans at once.
	driftWorkers int
}

// check checks cfg and returns what the plugin runs with. Errors name the
// key.
func (cfg Config) check() (*settings, error) {
	bad := func(format string, args ...any) error {
		return callboard.Errorf(callboard.Invalid, "kubernetes."+format, args...)
	}
	switch cfg.ServiceLocatorMethod.Type {
	case "multiTenant":
	case "":
		return nil, bad("serviceLocatorMethod.type is required: multiTenant")
	default:
		return nil, bad("serviceLocatorMethod.type: %q is not supported; use multiTenant", cfg.ServiceLocatorMethod.Type)
	}
	timeout, err := plugin.Duration("kubernetes.timeout", cfg.Timeout, 10*time.Second)
	if err != nil {
		return nil, err
	}
	s := &settings{}
	if s.cacheTTL, err = plugin.Duration("kubernetes.cacheTtl", cfg.CacheTTL, 30*time.Second); err != nil {
		return nil, err
	}
	if s.driftEvery, err = plugin.Duration("kubernetes.driftInterval", cfg.DriftInterval, 5*time.Minute); err != nil {
		return nil, err
	}
	if s.driftEvery < time.Second {
		return nil, bad("driftInterval: want at least 1s, got %q", cfg.DriftInterval)
	}
	switch s.driftWorkers = cfg.DriftConcurrency; {
	case s.driftWorkers == 0:
		s.driftWorkers = 4
	case s.driftWorkers < 0 || s.driftWorkers > 64:
		return nil, bad("driftConcurrency: want 1 to 64, got %d", cfg.DriftConcurrency)
	}
	for _, t := range cfg.ObjectTypes {
		if !slices.Contains(objectTypes, t) {
			return nil, bad("objectTypes: %q is not one of %s", t, strings.Join(objectTypes, ", "))
		}
	}
	s.objectTypes = cfg.ObjectTypes
	if len(s.objectTypes) == 0 {
		s.objectTypes = objectTypes
	}
	if err := checkCRs("customResources", cfg.CustomResources); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for i, loc := range cfg.ClusterLocatorMethods {
		at := fmt.Sprintf("clusterLocatorMethods[%d]", i)
		var clusters []ClusterConfig
		switch loc.Type {
		case "config":
			clusters = loc.Clusters
		case "localKubectlProxy":
			if len(loc.Clusters) > 0 {
				return nil, bad("%s: type localKubectlProxy takes no clusters", at)
			}
			clusters = []ClusterConfig{{Name: "local", URL: kubectlProxyURL, AuthProvider: "localKubectlProxy", SkipMetricsLookup: true}}
		default:
			return nil, bad("%s.type: %q is not supported; use config or localKubectlProxy", at, loc.Type)
		}
		for j, cc := range clusters {
			at := fmt.Sprintf("%s.clusters[%d]", at, j)
			c := &cluster{ClusterConfig: cc}
			if cc.Name == "" {
				return nil, bad("%s.name is required", at)
			}
			if names[cc.Name] {
				return nil, bad("%s.name: two clusters are called %q", at, cc.Name)
			}
			names[cc.Name] = true
			u, err := url.Parse(cc.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, bad("%s.url must be an http or https URL, got %q", at, cc.URL)
			}
			switch cc.AuthProvider {
			case "serviceAccount", "localKubectlProxy":
			case "":
				return nil, bad("%s.authProvider is required: serviceAccount", at)
			default:
				return nil, bad("%s.authProvider: %q is not supported; use serviceAccount (or a localKubectlProxy locator)", at, cc.AuthProvider)
			}
			if cc.AuthProvider == "serviceAccount" && cc.ServiceAccountToken == "" {
				return nil, bad("%s.serviceAccountToken is required with authProvider serviceAccount (write it as ${K8S_TOKEN})", at)
			}
			switch {
			case cc.CAData != "" && cc.CAFile != "":
				return nil, bad("%s: give caData or caFile, not both", at)
			case cc.CAData != "":
				c.caPEM = []byte(cc.CAData) // client-go takes PEM or base64 PEM (decoded below)
			case cc.CAFile != "":
				if c.caPEM, err = os.ReadFile(cc.CAFile); err != nil {
					return nil, bad("%s.caFile: %v", at, err)
				}
			}
			if c.timeout, err = plugin.Duration("kubernetes."+at+".timeout", cc.Timeout, timeout); err != nil {
				return nil, err
			}
			if err := checkCRs(at+".customResources", cc.CustomResources); err != nil {
				return nil, err
			}
			c.customResources = append(slices.Clone(cfg.CustomResources), cc.CustomResources...)
			s.clusters = append(s.clusters, c)
		}
	}
	return s, nil
}

func checkCRs(at string, crs []CustomResource) error {
	for i, cr := range crs {
		if cr.Group == "" || cr.APIVersion == "" || cr.Plural == "" {
			return callboard.Errorf(callboard.Invalid, "kubernetes.%s[%d]: group, apiVersion and plural are required", at, i)
		}
	}
	return nil
}
