package docsync

import (
	"fmt"
	"log/slog"
	"time"

	"callboard/config"
	"callboard/techdocs"
	"callboard/techdocs/publish"
)

// Config is Backstage's techdocs section. callboard builds docs
// in-process, so the generator's settings are accepted and ignored.
type Config struct {
	Builder   string           `yaml:"builder"` // local (default) | external
	Generator map[string]any   `yaml:"generator"`
	Publisher PublisherSection `yaml:"publisher"`
	// SyncInterval is how often sources are checked for changes
	// (callboard's key; default 1m).
	SyncInterval                       config.Duration `yaml:"syncInterval"`
	LegacyUseCaseSensitiveTripletPaths bool            `yaml:"legacyUseCaseSensitiveTripletPaths"`
	// Keys of Backstage's techdocs plugins that callboard does not use.
	RequestURL any `yaml:"requestUrl"`
	StorageURL any `yaml:"storageUrl"`
	Cache      any `yaml:"cache"`
	// Sanitizer is Backstage's techdocs.sanitizer: which iframes the
	// reader keeps (SanitizerOf).
	Sanitizer SanitizerSection `yaml:"sanitizer"`
}

// SanitizerSection is techdocs.sanitizer. AllowedIframeHosts entries are
// hosts ("www.youtube.com") or, in Backstage's object form, {src: URL
// prefix}; the custom element keys are accepted and unused (callboard
// pages carry no custom elements).
type SanitizerSection struct {
	AllowedIframeHosts                      []any `yaml:"allowedIframeHosts"`
	AllowedCustomElementTagNameRegExp       any   `yaml:"allowedCustomElementTagNameRegExp"`
	AllowedCustomElementAttributeNameRegExp any   `yaml:"allowedCustomElementAttributeNameRegExp"`

	hosts, prefixes []string
}

// Sanitizer returns the reader's sanitizer for the section.
func (s SanitizerSection) Sanitizer() *techdocs.Sanitizer {
	return techdocs.NewSanitizer(s.hosts, s.prefixes)
}

// PublisherSection is techdocs.publisher with the keys of Backstage's
// publishers that callboard accepts but does not use (accountId, the
// other storage types), so a Backstage config decodes strictly.
type PublisherSection struct {
	Type  string              `yaml:"type"`
	Local publish.LocalConfig `yaml:"local"`
	AWSS3 struct {
		publish.S3Config `yaml:",inline"`
		AccountID        string `yaml:"accountId"`
		MaxAttempts      any    `yaml:"maxAttempts"`
	} `yaml:"awsS3"`
	GoogleGCS        any `yaml:"googleGcs"`
	AzureBlobStorage any `yaml:"azureBlobStorage"`
	OpenStackSwift   any `yaml:"openStackSwift"`
}

// ReadConfig decodes the techdocs section strictly; a generator.runIn,
// which has no meaning here, is logged.
func ReadConfig(cfg *config.Config, log *slog.Logger) (Config, error) {
	var tc Config
	if err := cfg.Decode("techdocs", &tc); err != nil {
		return tc, err
	}
	for i, h := range tc.Sanitizer.AllowedIframeHosts {
		at := fmt.Sprintf("techdocs.sanitizer.allowedIframeHosts[%d]", i)
		switch h := h.(type) {
		case string:
			if !techdocs.ValidIframeHost(h) {
				return tc, cfg.Errorf(at, "%q is not a host: write the host name (and port) only, such as www.youtube.com", h)
			}
			tc.Sanitizer.hosts = append(tc.Sanitizer.hosts, h)
		case map[string]any:
			src, _ := h["src"].(string)
			if !techdocs.ValidIframeSrc(src) {
				return tc, cfg.Errorf(at+".src", "want an http(s) URL that the iframes' src starts with, not %q", src)
			}
			tc.Sanitizer.prefixes = append(tc.Sanitizer.prefixes, src)
		default:
			return tc, cfg.Errorf(at, "want a host name or {src: URL}")
		}
	}
	if runIn, ok := tc.Generator["runIn"]; ok {
		log.Warn("techdocs.generator.runIn is ignored: callboard builds docs in-process, without Docker or MkDocs", "runIn", runIn)
	}
	return tc, nil
}

// Publish is the publisher's config: techdocs.publisher with the
// section's legacyUseCaseSensitiveTripletPaths.
func (tc Config) Publish() publish.Config {
	return publish.Config{Type: tc.Publisher.Type, Local: tc.Publisher.Local, AWSS3: tc.Publisher.AWSS3.S3Config,
		LegacyUseCaseSensitiveTripletPaths: tc.LegacyUseCaseSensitiveTripletPaths}
}

// Interval is techdocs.syncInterval (zero: DefaultInterval).
func (tc Config) Interval() time.Duration { return time.Duration(tc.SyncInterval) }
