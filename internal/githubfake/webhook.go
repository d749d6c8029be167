package githubfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// Sign returns the X-Hub-Signature-256 value of body for secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Deliver posts a webhook as GitHub does: JSON body, X-GitHub-Event,
// X-GitHub-Delivery and X-Hub-Signature-256 signed with secret.
func Deliver(client *http.Client, url, event, secret string, payload any) (*http.Response, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("%x-%x-%x-%x-%x", id[:4], id[4:6], id[6:8], id[8:10], id[10:]))
	req.Header.Set("X-Hub-Signature-256", Sign(secret, body))
	if client == nil {
		client = http.DefaultClient
	}
	return client.Do(req)
}

// PushPayload is the body of a push event to branch of repo.
func (s *Server) PushPayload(repo *Repo, branch string) map[string]any {
	return map[string]any{"ref": "refs/heads/" + branch,
		"repository":   s.hookRepo(repo),
		"organization": map[string]any{"login": repo.Owner}, "sender": map[string]any{"login": "octocat"}}
}

// RepositoryPayload is the body of a repository event (created, deleted,
// archived, renamed, ...).
func (s *Server) RepositoryPayload(action string, repo *Repo) map[string]any {
	return map[string]any{"action": action, "repository": s.hookRepo(repo),
		"organization": map[string]any{"login": repo.Owner}, "sender": map[string]any{"login": "octocat"}}
}

func (s *Server) hookRepo(repo *Repo) map[string]any {
	html := s.URL + "/" + repo.Owner + "/" + repo.Name
	return map[string]any{"id": repo.ID, "name": repo.Name, "full_name": repo.Owner + "/" + repo.Name,
		"owner": map[string]any{"login": repo.Owner}, "html_url": html, "url": html,
		"default_branch": repo.DefaultBranch, "archived": repo.Archived, "fork": repo.Fork,
		"visibility": repo.Visibility, "topics": repo.Topics, "private": repo.Private}
}
