package app

import (
	"callboard/config"
	"callboard/techdocs/docsync"
)

// docsCredentials gives git the tokens for cloning url: docs sources
// from private repositories: the plugins' (GitHub's integrations.github
// tokens, through its plugin) first, then those of integrations.gitlab[],
// which has no plugin yet.
func docsCredentials(cfg *config.Config, fromPlugins func(host string) (string, string)) (func(host string) (string, string), error) {
	// The rest of each entry (apiBaseUrl, ...) is not docs' business;
	// decode only what docs need.
	var gitlab []map[string]any
	if err := cfg.Decode("integrations.gitlab", &gitlab); err != nil {
		return nil, err
	}
	var list []docsync.Integration
	for _, e := range gitlab {
		host, token := entryString(e, "host"), entryString(e, "token")
		list = append(list, docsync.GitLabIntegration(host, token))
	}
	fromGitLab := docsync.Credentials(list)
	return func(host string) (string, string) {
		if fromPlugins != nil {
			if user, pass := fromPlugins(host); pass != "" {
				return user, pass
			}
		}
		return fromGitLab(host)
	}, nil
}

func entryString(e map[string]any, key string) string {
	s, _ := e[key].(string)
	return s
}
