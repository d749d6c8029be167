package config

// ReadingAllow is one backend.reading.allow entry, Backstage's shape:
// a host ("example.com", "*.example.com", "example.com:8080") and the
// path prefixes URLs on it may have.
type ReadingAllow struct {
	Host  string   `yaml:"host"`
	Paths []string `yaml:"paths"`
}

// Plugins is the plugins section: settings of the plugin seam itself
// (each plugin decodes its own section).
type Plugins struct {
	// Timeout bounds each plugin's tab, card and facts call (default 3s).
	Timeout Duration `yaml:"timeout"`
}
