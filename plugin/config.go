package plugin

// Config is the portal's configuration as the host hands it to plugins;
// config.Config implements it.
type Config interface {
	// Decode decodes the section at a dotted key strictly; an absent
	// section leaves into as it is.
	Decode(key string, into any) error
	// Has reports whether the dotted key is present.
	Has(key string) bool
}

// Wanted reports whether the host enables p with cfg: p has no config
// section, or its ConfigKey or one of its ConfigKeys is present.
func Wanted(p Plugin, cfg Config) bool {
	if p.Always || p.ConfigKey == "" && len(p.ConfigKeys) == 0 {
		return true
	}
	for _, key := range p.Keys() {
		if cfg.Has(key) {
			return true
		}
	}
	return false
}

// Keys are the sections that enable p: ConfigKey, then ConfigKeys.
func (p Plugin) Keys() []string {
	var keys []string
	if p.ConfigKey != "" {
		keys = append(keys, p.ConfigKey)
	}
	return append(keys, p.ConfigKeys...)
}

// WithConfig returns env reading p's sections from cfg: Config decodes
// ConfigKey (when present), Sections any dotted path.
func (env Env) WithConfig(p Plugin, cfg Config) Env {
	if key := p.ConfigKey; key != "" && cfg.Has(key) {
		env.Config = func(into any) error { return cfg.Decode(key, into) }
	}
	env.Sections = cfg.Decode
	return env
}
