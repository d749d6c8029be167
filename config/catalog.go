package config

import "fmt"

// Catalog is the `catalog` section. catalog.providers is left in Raw for the
// provider plugins (catalog.providers.github...) to Decode themselves.
type Catalog struct {
	// Locations are static locations, registered at startup and not
	// deletable through the API.
	Locations []Location `yaml:"locations"`
	// Rules says which kinds may come from which locations. When RulesSet
	// is false the key was absent and Backstage's default applies (see
	// EffectiveRules); when it is true and Rules is empty, every entity is
	// rejected, as in Backstage.
	Rules    []Rule `yaml:"rules"`
	RulesSet bool   `yaml:"-"`
	// Readonly makes location mutations through the API fail (Forbidden).
	Readonly bool `yaml:"readonly"`
	// OrphanStrategy is "delete" (the default in current Backstage docs:
	// orphaned entities are removed) or "keep".
	OrphanStrategy string `yaml:"orphanStrategy"`
	// ProcessingInterval is how often each entity is reprocessed; 0
	// (`processingInterval: false`) disables the loop. Backstage picks a
	// random 100-150 s per entity; our default is a fixed 2 minutes.
	ProcessingInterval Duration `yaml:"processingInterval"`
	// Limits bound what one entity may grow to (callboard's key).
	Limits CatalogLimits `yaml:"limits"`
	// IngestMemoryLimit is the Go memory limit while the first ingest of
	// an empty catalog runs; 0 (the default) makes it follow the live
	// heap, half of it over it and at least 256 MiB (callboard's key).
	IngestMemoryLimit ByteSize `yaml:"ingestMemoryLimit"`
	// MemoryLimit is the Go memory limit once that first ingest is done:
	// "follow" (the default) keeps following the live heap, half of it
	// over it and at least 256 MiB, "off" leaves Go's default (or GOMEMLIMIT), a size fixes it
	// (callboard's key).
	MemoryLimit MemoryLimit `yaml:"memoryLimit"`
}

// CatalogLimits is catalog.limits: how large one descriptor document may
// become once its aliases are expanded and its placeholders read. A
// document past a limit is rejected with an error on its location.
type CatalogLimits struct {
	// MaxPlaceholdersPerEntity is the most $text/$json/$yaml placeholders
	// one document may hold.
	MaxPlaceholdersPerEntity int `yaml:"maxPlaceholdersPerEntity"`
	// MaxEntityBytes bounds the document's keys and scalars, aliases
	// expanded, plus the bytes its placeholders read.
	MaxEntityBytes ByteSize `yaml:"maxEntityBytes"`
	// MaxFileBytes bounds one file of a catalog.locations entry (the
	// operator's own: an exported file of one kind may be tens of MiB).
	MaxFileBytes ByteSize `yaml:"maxFileBytes"`
	// MaxRegisteredFileBytes bounds one file of a location registered
	// through the API or read from a URL location it names.
	MaxRegisteredFileBytes ByteSize `yaml:"maxRegisteredFileBytes"`
	// MaxPlaceholderBytes bounds one $text/$json/$yaml target.
	MaxPlaceholderBytes ByteSize `yaml:"maxPlaceholderBytes"`
}

// Location is one entry of catalog.locations.
type Location struct {
	Type   string `yaml:"type"`   // "url" or "file"
	Target string `yaml:"target"` // a URL, or a path relative to the working directory
	Rules  []Rule `yaml:"rules"`  // extra kinds allowed from this location only
}

// Rule allows the listed kinds, from every location or only the listed ones.
type Rule struct {
	Allow     []string       `yaml:"allow"`
	Locations []RuleLocation `yaml:"locations"`
}

// RuleLocation limits a Rule to locations of a type whose target equals
// Exact or matches the glob Pattern (neither: every target of the type).
type RuleLocation struct {
	Type    string `yaml:"type"`
	Exact   string `yaml:"exact"`
	Pattern string `yaml:"pattern"`
}

// DefaultRules are Backstage's rules when catalog.rules is absent.
var DefaultRules = []Rule{{Allow: []string{"Component", "API", "Location"}}}

// EffectiveRules returns the rules to apply: Rules if catalog.rules was set
// (possibly empty: reject everything), DefaultRules otherwise.
func (c Catalog) EffectiveRules() []Rule {
	if !c.RulesSet {
		return DefaultRules
	}
	return c.Rules
}

// Location types callboard can read.
var locationTypes = map[string]bool{"url": true, "file": true}

func (c Catalog) validate(cfg *Config) []error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, cfg.problem(path, format, args...))
	}
	switch c.OrphanStrategy {
	case "keep", "delete":
	default:
		bad("catalog.orphanStrategy", "want keep or delete, got %q", c.OrphanStrategy)
	}
	if c.ProcessingInterval < 0 {
		bad("catalog.processingInterval", "must not be negative")
	}
	if c.Limits.MaxPlaceholdersPerEntity < 1 {
		bad("catalog.limits.maxPlaceholdersPerEntity", "must be at least 1, got %d", c.Limits.MaxPlaceholdersPerEntity)
	}
	if c.Limits.MaxEntityBytes < 1<<10 {
		bad("catalog.limits.maxEntityBytes", "must be at least 1KiB, got %s", c.Limits.MaxEntityBytes)
	}
	for _, l := range []struct {
		key string
		v   ByteSize
	}{
		{"maxFileBytes", c.Limits.MaxFileBytes},
		{"maxRegisteredFileBytes", c.Limits.MaxRegisteredFileBytes},
		{"maxPlaceholderBytes", c.Limits.MaxPlaceholderBytes},
	} {
		if l.v < 1<<10 {
			bad("catalog.limits."+l.key, "must be at least 1KiB, got %s", l.v)
		}
	}
	for i, l := range c.Locations {
		p := fmt.Sprintf("catalog.locations[%d]", i)
		if !locationTypes[l.Type] {
			bad(p+".type", "want url or file, got %q", l.Type)
		}
		if l.Target == "" {
			bad(p+".target", "must not be empty")
		}
		errs = append(errs, validateRules(cfg, p+".rules", l.Rules)...)
	}
	errs = append(errs, validateRules(cfg, "catalog.rules", c.Rules)...)
	return errs
}

func validateRules(cfg *Config, path string, rules []Rule) []error {
	var errs []error
	for i, r := range rules {
		p := fmt.Sprintf("%s[%d]", path, i)
		if len(r.Allow) == 0 {
			errs = append(errs, cfg.problem(p+".allow", "must list at least one kind"))
		}
		for j, k := range r.Allow {
			if k == "" {
				errs = append(errs, cfg.problem(fmt.Sprintf("%s.allow[%d]", p, j), "empty kind"))
			}
		}
		for j, l := range r.Locations {
			lp := fmt.Sprintf("%s.locations[%d]", p, j)
			if l.Type == "" {
				errs = append(errs, cfg.problem(lp+".type", "must not be empty"))
			}
			if l.Exact != "" && l.Pattern != "" {
				errs = append(errs, cfg.problem(lp, "set exact or pattern, not both"))
			}
		}
	}
	return errs
}
