package prometheus

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"callboard"
	"callboard/plugin"
)

// Config is the prometheus section of app-config.yaml.
type Config struct {
	// Instances are the Prometheus servers; the first is the default, an
	// entity picks another with callboard.io/prometheus-instance.
	Instances []InstanceConfig `yaml:"instances"`
	// Timeout bounds each query (default 10s).
	Timeout string `yaml:"timeout"`
	// CacheTTL keeps an answer this long (default 30s; "0s" turns the
	// cache off).
	CacheTTL string `yaml:"cacheTtl"`
}

// InstanceConfig is one of prometheus.instances.
type InstanceConfig struct {
	Name string `yaml:"name"`
	// URL is the server's base URL, e.g. https://prometheus.example.com;
	// the plugin calls <url>/api/v1/query and /api/v1/query_range.
	URL string `yaml:"url"`
	// Headers are sent with every query, for auth: write secrets as
	// ${PROMETHEUS_TOKEN}. They never reach the browser or the logs.
	Headers map[string]string `yaml:"headers"`
}

// clients checks the section and makes one client per instance, in
// order.
func (cfg Config) clients(hc *http.Client) ([]*client, error) {
	timeout, err := plugin.Duration("prometheus.timeout", cfg.Timeout, 10*time.Second)
	if err != nil {
		return nil, err
	}
	ttl, err := plugin.Duration("prometheus.cacheTtl", cfg.CacheTTL, 30*time.Second)
	if err != nil {
		return nil, err
	}
	if len(cfg.Instances) == 0 {
		return nil, callboard.Errorf(callboard.Invalid, "prometheus.instances: list at least one instance with a name and a url")
	}
	var out []*client
	seen := map[string]bool{}
	for i, in := range cfg.Instances {
		field := "prometheus.instances[" + strconv.Itoa(i) + "]"
		if in.Name == "" {
			return nil, callboard.Errorf(callboard.Invalid, "%s.name is required", field)
		}
		if seen[in.Name] {
			return nil, callboard.Errorf(callboard.Invalid, "%s.name %q is used twice", field, in.Name)
		}
		seen[in.Name] = true
		u, err := url.Parse(in.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, callboard.Errorf(callboard.Invalid, "%s.url must be an http or https URL without credentials (put them in headers), got %q", field, in.URL)
		}
		for k := range in.Headers {
			if k == "" || strings.ContainsAny(k, " :\r\n") {
				return nil, callboard.Errorf(callboard.Invalid, "%s.headers: %q is not a header name", field, k)
			}
		}
		out = append(out, &client{
			name: in.Name, base: strings.TrimSuffix(in.URL, "/"), headers: in.Headers,
			http: hc, timeout: timeout, ttl: ttl, cache: map[string]cached{},
		})
	}
	return out, nil
}
