package docsync

import (
	"net/url"
	"strings"
)

// Integration is one entry of app-config's integrations.github or
// integrations.gitlab list, as far as cloning docs needs it.
type Integration struct {
	// Host is the entry's host ("github.com", "gitlab.example.com:8443").
	Host string
	// Username is what git sends with the token: "x-access-token" for
	// GitHub, "oauth2" for GitLab (see GitHubIntegration, GitLabIntegration).
	Username string
	// Token is the access token; empty entries give no credentials.
	Token string
}

// GitHubIntegration is an integrations.github[] entry: host defaults to
// github.com, and GitHub takes a token as the password of user
// x-access-token.
func GitHubIntegration(host, token string) Integration {
	if host == "" {
		host = "github.com"
	}
	return Integration{Host: host, Username: "x-access-token", Token: token}
}

// GitLabIntegration is an integrations.gitlab[] entry: host defaults to
// gitlab.com, and GitLab takes a token as the password of user oauth2.
func GitLabIntegration(host, token string) Integration {
	if host == "" {
		host = "gitlab.com"
	}
	return Integration{Host: host, Username: "oauth2", Token: token}
}

// Credentials returns an Options.Credentials that gives each repository
// host the token of the integration with the same host: the same host and
// port, or the same host name when the integration names no port. Hosts
// compare case-insensitively; the first matching entry with a token wins.
func Credentials(list []Integration) func(host string) (username, password string) {
	return func(host string) (string, string) {
		name := hostname(host)
		for _, in := range list {
			if in.Token == "" {
				continue
			}
			if strings.EqualFold(in.Host, host) || (!strings.Contains(in.Host, ":") && strings.EqualFold(in.Host, name)) {
				return in.Username, in.Token
			}
		}
		return "", ""
	}
}

func hostname(host string) string {
	if u, err := url.Parse("//" + host); err == nil {
		return u.Hostname()
	}
	return host
}
