package pagerdutyfake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"callboard/internal/pagerdutyfake"
)

func mustGet(t *testing.T, url, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Token token="+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestFakeREST(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	pd.AddIncidents("PSVC001", 30)
	tests := []struct {
		name, path, token string
		status            int
		check             func(map[string]any) bool
	}{
		{"no token", "/services/PSVC001", "", 401, func(b map[string]any) bool {
			return b["error"].(map[string]any)["message"] == "Authentication failed"
		}},
		{"service with its policy", "/services/PSVC001?include[]=escalation_policies", pagerdutyfake.Token, 200, func(b map[string]any) bool {
			return b["service"].(map[string]any)["escalation_policy"].(map[string]any)["type"] == "escalation_policy"
		}},
		{"on-calls of a policy", "/oncalls?escalation_policy_ids[]=PPOL001", pagerdutyfake.Token, 200, func(b map[string]any) bool {
			return len(b["oncalls"].([]any)) == 2
		}},
		{"first page of open incidents", "/incidents?service_ids[]=PSVC001&statuses[]=triggered&statuses[]=acknowledged&limit=10", pagerdutyfake.Token, 200, func(b map[string]any) bool {
			return len(b["incidents"].([]any)) == 10 && b["more"] == true
		}},
		{"last page", "/incidents?service_ids[]=PSVC001&statuses[]=triggered&statuses[]=acknowledged&limit=10&offset=30&total=true", pagerdutyfake.Token, 200, func(b map[string]any) bool {
			return len(b["incidents"].([]any)) == 2 && b["more"] == false && b["total"] == float64(32)
		}},
		{"change events", "/services/PSVC001/change_events", pagerdutyfake.Token, 200, func(b map[string]any) bool {
			return len(b["change_events"].([]any)) == 2
		}},
		{"unknown service", "/services/PNOPE", pagerdutyfake.Token, 404, func(b map[string]any) bool { return b["error"] != nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := mustGet(t, pd.URL+tc.path, tc.token)
			if resp.StatusCode != tc.status || !tc.check(body) {
				t.Errorf("GET %s = %d %v", tc.path, resp.StatusCode, body)
			}
		})
	}
	pd.Fail(http.StatusTooManyRequests)
	if resp, _ := mustGet(t, pd.URL+"/services/PSVC001", pagerdutyfake.Token); resp.StatusCode != 429 || resp.Header.Get("ratelimit-reset") == "" {
		t.Errorf("throttled: %d, reset %q", resp.StatusCode, resp.Header.Get("ratelimit-reset"))
	}
}

func TestFakeEvents(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	tests := []struct {
		name, body string
		status     int
	}{
		{"trigger", `{"routing_key":"` + pagerdutyfake.IntegrationKey + `","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"error"}}`, 202},
		{"unknown key", `{"routing_key":"nope","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"error"}}`, 400},
		{"no summary", `{"routing_key":"` + pagerdutyfake.IntegrationKey + `","event_action":"trigger","payload":{"source":"x","severity":"error"}}`, 400},
		{"bad severity", `{"routing_key":"` + pagerdutyfake.IntegrationKey + `","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"bad"}}`, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(pd.URL+"/v2/enqueue", "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("POST = %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
	if ev := pd.Events(); len(ev) != 1 || ev[0].Payload.Summary != "s" {
		t.Errorf("events = %+v", ev)
	}
}

func TestFakeCopyService(t *testing.T) {
	pd := pagerdutyfake.NewServer(t)
	pd.CopyService("PSVC001", "PLT7Q2M")
	tests := []struct {
		name, path string
		check      func(map[string]any) bool
	}{
		{"service", "/services/PLT7Q2M", func(b map[string]any) bool {
			s := b["service"].(map[string]any)
			return s["id"] == "PLT7Q2M" && s["escalation_policy"].(map[string]any)["id"] == "PPOL001"
		}},
		{"open incidents", "/incidents?service_ids[]=PLT7Q2M&statuses[]=triggered&statuses[]=acknowledged", func(b map[string]any) bool {
			return len(b["incidents"].([]any)) == 2
		}},
		{"change events", "/services/PLT7Q2M/change_events", func(b map[string]any) bool {
			return len(b["change_events"].([]any)) == 2
		}},
		{"the original keeps its own", "/incidents?service_ids[]=PSVC001&statuses[]=triggered&statuses[]=acknowledged", func(b map[string]any) bool {
			return len(b["incidents"].([]any)) == 2
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := mustGet(t, pd.URL+tc.path, pagerdutyfake.Token)
			if resp.StatusCode != 200 || !tc.check(body) {
				t.Errorf("GET %s = %d %v", tc.path, resp.StatusCode, body)
			}
		})
	}
}
