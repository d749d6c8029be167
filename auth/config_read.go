package auth

import (
	"time"

	"callboard/config"
)

// ReadOptions decodes the auth section into the config half of Options:
// environment, providers (github, oidc, guest) and session; the caller
// adds Dev and the stores. It does not check the providers (New does).
func ReadOptions(cfg *config.Config) (Options, error) {
	o := Options{
		Environment:    cfg.String("auth.environment"),
		EnvironmentSet: cfg.Has("auth.environment"),
		BaseURL:        cfg.Backend.BaseURL,
	}
	if err := cfg.Decode("auth.providers.github", &o.GitHub); err != nil {
		return o, err
	}
	if err := cfg.Decode("auth.providers.oidc", &o.OIDC); err != nil {
		return o, err
	}
	if cfg.Has("auth.providers.guest") {
		o.Guest = &GuestConfig{}
		if err := cfg.Decode("auth.providers.guest", o.Guest); err != nil {
			return o, err
		}
	}
	var sc SessionConfig
	if err := cfg.Decode("auth.session", &sc); err != nil {
		return o, err
	}
	o.SessionSecret, o.SessionLifetime = sc.Secret, time.Duration(sc.AbsoluteLifetime)
	return o, nil
}

// ExternalAccess is what backend.auth.externalAccess grants machines:
// static tokens and Backstage's legacy shared secrets.
type ExternalAccess struct {
	// Tokens maps each static token to its subject.
	Tokens map[string]string
	// Legacy verifies legacy tokens; nil without legacy entries.
	Legacy func(token string) (subject string, ok bool)
}

// externalAccessYAML is an entry of backend.auth.externalAccess.
type externalAccessYAML struct {
	Type    string `yaml:"type"`
	Options struct {
		Token   string `yaml:"token"`
		Subject string `yaml:"subject"`
		Secret  string `yaml:"secret"` // type legacy
		// Other keys of Backstage's access methods, kept but unused.
		Keys          any `yaml:"keys"`
		Audience      any `yaml:"audience"`
		Algorithms    any `yaml:"algorithms"`
		Issuer        any `yaml:"issuer"`
		URL           any `yaml:"url"`
		SubjectPrefix any `yaml:"subjectPrefix"`
	} `yaml:"options"`
	AccessRestrictions any `yaml:"accessRestrictions"`
}

// ReadExternalAccess decodes backend.auth.externalAccess: static entries
// with a token, and legacy entries (a base64 secret; a bad one is an
// error naming its index).
func ReadExternalAccess(cfg *config.Config) (ExternalAccess, error) {
	var access []externalAccessYAML
	if err := cfg.Decode("backend.auth.externalAccess", &access); err != nil {
		return ExternalAccess{}, err
	}
	ea := ExternalAccess{Tokens: map[string]string{}}
	var legacy []LegacyKey
	for i, a := range access {
		if a.Type == "static" && a.Options.Token != "" {
			ea.Tokens[a.Options.Token] = a.Options.Subject
		}
		if a.Type == "legacy" {
			k, err := NewLegacyKey(i, a.Options.Secret, a.Options.Subject)
			if err != nil {
				return ExternalAccess{}, err
			}
			legacy = append(legacy, k)
		}
	}
	if len(legacy) > 0 {
		ea.Legacy = LegacyVerifier(legacy, nil)
	}
	return ea, nil
}

// PermissionConfig is the permission section of app-config.yaml.
// Backstage's permission.enabled is read; the other keys are callboard's.
type PermissionConfig struct {
	// Enabled: false allows everything (Backstage's default). callboard
	// enables permissions unless told otherwise, with the default policy
	// when no file is named.
	Enabled *bool `yaml:"enabled"`
	// PolicyFile is the YAML policy (auth/policy), watched and reloaded.
	PolicyFile string `yaml:"policyFile"`
	// AdminGroups are the admin groups of the default policy.
	AdminGroups []string `yaml:"adminGroups"`
	// ReloadInterval is how often the policy file is checked (default 1s).
	ReloadInterval config.Duration `yaml:"reloadInterval"`
}

// ReadPermission decodes the permission section.
func ReadPermission(cfg *config.Config) (PermissionConfig, error) {
	var pc PermissionConfig
	err := cfg.Decode("permission", &pc)
	return pc, err
}
