package argocdfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"callboard/internal/argocdfake"
)

func TestServer(t *testing.T) {
	srv := argocdfake.NewServer(t)
	srv.Add(argocdfake.Sample("a-prod", "https://github.com/o/a.git", map[string]string{"team": "a", "env": "prod"}, time.Now()),
		argocdfake.Sample("b-prod", "https://github.com/o/b.git", map[string]string{"team": "b", "env": "prod"}, time.Now()))
	tests := []struct {
		name, method, path, auth, cookie, body string
		status                                 int
		want                                   string
	}{
		{"app", "GET", "/api/v1/applications/a-prod", argocdfake.Token, "", "", 200, `"repoURL":"https://github.com/o/a.git"`},
		{"app by cookie", "GET", "/api/v1/applications/a-prod", "", argocdfake.Token, "", 200, `"status":"Synced"`},
		{"missing app", "GET", "/api/v1/applications/nope", argocdfake.Token, "", "", 404, `"code":5`},
		{"no token", "GET", "/api/v1/applications/a-prod", "", "", "", 401, `"code":16`},
		{"selector", "GET", "/api/v1/applications?selector=env%3Dprod,team!%3Db", argocdfake.Token, "", "", 200, `"name":"a-prod"`},
		{"bad selector", "GET", "/api/v1/applications?selector=%3Dx", argocdfake.Token, "", "", 400, "unable to parse"},
		{"login", "POST", "/api/v1/session", "", "", `{"username":"backstage","password":"s3cret-password"}`, 200, `"token":"session-token-1"`},
		{"bad login", "POST", "/api/v1/session", "", "", `{"username":"backstage","password":"x"}`, 401, "Invalid username or password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.auth != "" {
				req.Header.Set("Authorization", "Bearer "+tc.auth)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "argocd.token", Value: tc.cookie})
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Errorf("%s %s = %d %s, want %d with %q", tc.method, tc.path, resp.StatusCode, b, tc.status, tc.want)
			}
			if tc.name == "selector" && strings.Contains(string(b), "b-prod") {
				t.Errorf("selector matched b-prod: %s", b)
			}
		})
	}
}
