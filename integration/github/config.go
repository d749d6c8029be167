// Package github is callboard's GitHub integration: a REST client (go-github)
// authenticated with a token or GitHub App installation tokens, with
// conditional requests and rate-limit handling; a URL reader for the
// catalog; the scaffolder's GitHub actions; and the discovery and org
// entity providers with their webhook.
package github

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"callboard"
)

// Config is one entry of Backstage's integrations.github.
type Config struct {
	Host       string      `yaml:"host"`       // default github.com
	APIBaseURL string      `yaml:"apiBaseUrl"` // default https://api.github.com for github.com
	RawBaseURL string      `yaml:"rawBaseUrl"` // default https://raw.githubusercontent.com for github.com
	Token      string      `yaml:"token"`
	Apps       []AppConfig `yaml:"apps"`
}

// AppConfig is a GitHub App the integration authenticates as.
type AppConfig struct {
	AppID                     int64    `yaml:"appId"`
	PrivateKey                string   `yaml:"privateKey"`
	ClientID                  string   `yaml:"clientId"`
	ClientSecret              string   `yaml:"clientSecret"`
	WebhookSecret             string   `yaml:"webhookSecret"`
	AllowedInstallationOwners []string `yaml:"allowedInstallationOwners"`
}

// Options are callboard's own settings, beyond Backstage's keys.
type Options struct {
	// RequestsPerSecond is the request budget for this host (burst 2x);
	// 0 means 20.
	RequestsPerSecond float64
	// MaxWait is the longest a request waits for a rate limit to reset
	// before it fails; 0 means 2 minutes.
	MaxWait time.Duration
	// CacheEntries bounds the ETag cache; 0 means 20000.
	CacheEntries int
}

// normalize fills defaults and checks cfg; errors are Invalid and name
// the key.
func (cfg *Config) normalize() error {
	if cfg.Host == "" {
		cfg.Host = "github.com"
	}
	if strings.Contains(cfg.Host, "/") {
		return callboard.Errorf(callboard.Invalid, "integrations.github: host %q must be a host name, not a URL", cfg.Host)
	}
	if cfg.APIBaseURL == "" {
		if cfg.Host != "github.com" {
			return callboard.Errorf(callboard.Invalid, "integrations.github[host=%s]: apiBaseUrl is required for GitHub Enterprise (https://%s/api/v3)", cfg.Host, cfg.Host)
		}
		cfg.APIBaseURL = "https://api.github.com"
	}
	u, err := url.Parse(cfg.APIBaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return callboard.Errorf(callboard.Invalid, "integrations.github[host=%s]: apiBaseUrl %q is not an http(s) URL", cfg.Host, cfg.APIBaseURL)
	}
	if cfg.RawBaseURL == "" && cfg.Host == "github.com" {
		cfg.RawBaseURL = "https://raw.githubusercontent.com"
	}
	for i, a := range cfg.Apps {
		if a.AppID == 0 || strings.TrimSpace(a.PrivateKey) == "" {
			return callboard.Errorf(callboard.Invalid, "integrations.github[host=%s].apps[%d]: appId and privateKey are required", cfg.Host, i)
		}
	}
	return nil
}

// webBase is where repositories live: https://github.com, or the API
// URL's scheme with the host (http for test servers).
func (cfg *Config) webBase() string {
	scheme := "https"
	if u, err := url.Parse(cfg.APIBaseURL); err == nil && u.Scheme == "http" {
		scheme = "http"
	}
	return scheme + "://" + cfg.Host
}

func (cfg *Config) apiBase() string {
	return strings.TrimSuffix(cfg.APIBaseURL, "/") + "/"
}

func (cfg *Config) String() string { return fmt.Sprintf("github(%s)", cfg.Host) }
