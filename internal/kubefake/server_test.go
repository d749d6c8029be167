package kubefake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"callboard/internal/kubefake"
)

func mustGet(t *testing.T, s *kubefake.Server, method, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServer(t *testing.T) {
	s := kubefake.NewServer(t, kubefake.Options{TLS: true})
	s.Add(t, kubefake.PaymentService)
	s.SetLog("production", "p", "app", "a\nb\nc\n")
	tests := []struct {
		name, method, path, token string
		status                    int
		want                      string
	}{
		{"no token", "GET", "/api/v1/pods", "", 401, `"reason":"Unauthorized"`},
		{"selector", "GET", "/api/v1/namespaces/production/pods?labelSelector=app%3Dledger", kubefake.Token, 200, `"name":"ledger-5c4b-xyz12"`},
		{"first page", "GET", "/api/v1/pods?limit=2", kubefake.Token, 200, `"continue":"2"`},
		{"last page", "GET", "/api/v1/pods?limit=2&continue=2", kubefake.Token, 200, `"name":"ledger-5c4b-xyz12"`},
		{"field selector", "GET", "/api/v1/events?fieldSelector=type%3DWarning", kubefake.Token, 200, `"reason":"BackOff"`},
		{"get", "GET", "/apis/apps/v1/namespaces/production/deployments/payment-service", kubefake.Token, 200, `"manager":"kubectl-edit"`},
		{"not found", "GET", "/apis/apps/v1/namespaces/production/deployments/nope", kubefake.Token, 404, `"reason":"NotFound"`},
		{"metrics", "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/production/pods", kubefake.Token, 200, `"cpu":"87m"`},
		{"log tail", "GET", "/api/v1/namespaces/production/pods/p/log?container=app&tailLines=2", kubefake.Token, 200, "b\nc\n"},
		{"write", "DELETE", "/api/v1/namespaces/production/pods/p", kubefake.Token, 405, "read-only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := mustGet(t, s, tc.method, tc.path, tc.token)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s %s = %d %.300s, want %d with %q", tc.method, tc.path, status, body, tc.status, tc.want)
			}
		})
	}
	_, body := mustGet(t, s, "GET", "/api/v1/pods?limit=2", kubefake.Token)
	var l struct{ Items []any }
	if json.Unmarshal([]byte(body), &l); len(l.Items) != 2 {
		t.Errorf("limit=2 gave %d items", len(l.Items))
	}
	if s.Writes() != 1 {
		t.Errorf("Writes = %d", s.Writes())
	}
	s.SetStatus(403)
	if status, body := mustGet(t, s, "GET", "/api/v1/pods", kubefake.Token); status != 403 || !strings.Contains(body, "forbidden") {
		t.Errorf("403 knob = %d %s", status, body)
	}
}
