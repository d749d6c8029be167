package app

import (
	"callboard/config"
	"callboard/techdocs/docsync"
)

// docsCredentials reads the tokens of integrations.github[] and
// integrations.gitlab[] for cloning url: docs sources from private
// repositories. GitHub Apps (apps[]) are not used for docs yet: only
// entries with a token give credentials.
func docsCredentials(cfg *config.Config) (func(host string) (string, string), error) {
	// The rest of each entry (apiBaseUrl, apps, ...) belongs to the
	// integrations themselves; decode only what docs need.
	var github, gitlab []map[string]any
	if err := cfg.Decode("integrations.github", &github); err != nil {
		return nil, err
	}
	if err := cfg.Decode("integrations.gitlab", &gitlab); err != nil {
		return nil, err
	}
	var list []docsync.Integration
	for _, e := range github {
		host, token := entryString(e, "host"), entryString(e, "token")
		list = append(list, docsync.GitHubIntegration(host, token))
	}
	for _, e := range gitlab {
		host, token := entryString(e, "host"), entryString(e, "token")
		list = append(list, docsync.GitLabIntegration(host, token))
	}
	if len(list) == 0 {
		return nil, nil
	}
	return docsync.Credentials(list), nil
}

func entryString(e map[string]any, key string) string {
	s, _ := e[key].(string)
	return s
}
