package grafanafake_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"callboard/internal/grafanafake"
)

func mustGet(t *testing.T, url, token string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestFakeSpeaksGrafanasJSON(t *testing.T) {
	g := grafanafake.New(t, "tok")
	var ds []grafanafake.Dashboard
	for i := range 5 {
		ds = append(ds, grafanafake.Dashboard{UID: fmt.Sprint("d", i), Title: fmt.Sprint("Dash ", i), Tags: []string{"all", fmt.Sprint("n", i%2)}, FolderUID: "f", FolderTitle: "Team"})
	}
	g.SetDashboards(ds...)
	g.SetRules(grafanafake.Rule{UID: "r1", Name: "Latency", State: "firing", Labels: map[string]string{"service": "a"}, Folder: "Team", Group: "g"})
	g.SetLegacyAlerts(grafanafake.LegacyAlert{ID: 7, PanelID: 2, Name: "Old", State: "alerting", DashboardUID: "d1", DashboardSlug: "dash-1", DashboardTags: []string{"all"}})
	tests := []struct {
		name, path string
		status     int
		want       []string
	}{
		{"search hit", "/api/search?type=dash-db&tag=n1", 200, []string{`"uid":"d1"`, `"url":"/d/d1/dash-1"`, `"type":"dash-db"`, `"folderTitle":"Team"`, `"folderUrl":"/dashboards/f/f/team"`}},
		{"tags are and-ed", "/api/search?tag=n1&tag=nope", 200, []string{`[]`}},
		{"second page", "/api/search?tag=all&limit=2&page=3", 200, []string{`"uid":"d4"`}},
		{"bad limit", "/api/search?limit=0", 400, []string{`"message"`}},
		{"rules", "/api/prometheus/grafana/api/v1/rules", 200, []string{`"status":"success"`, `"groups":[{"name":"g","file":"Team"`, `"state":"firing"`, `"uid":"r1"`, `"labels":{"service":"a"}`, `"state":"Alerting"`}},
		{"legacy alerts", "/api/alerts?dashboardTag=all", 200, []string{`"id":7`, `"panelId":2`, `"state":"alerting"`, `"url":"/d/d1/dash-1"`}},
		{"legacy alerts by tag", "/api/alerts?dashboardTag=none", 200, []string{`[]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := mustGet(t, g.URL+tc.path, "tok")
			if status != tc.status {
				t.Errorf("status = %d, want %d", status, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s: %s", w, body)
				}
			}
			if !json.Valid([]byte(body)) {
				t.Errorf("not JSON: %s", body)
			}
		})
	}
	if status, _, body := mustGet(t, g.URL+"/api/search", "wrong"); status != 401 || !strings.Contains(body, `"message":"Unauthorized"`) {
		t.Errorf("wrong token = %d %s", status, body)
	}
	g.Fail("/api/search", 429)
	if status, h, _ := mustGet(t, g.URL+"/api/search", "tok"); status != 429 || h.Get("Retry-After") == "" {
		t.Errorf("rate limited = %d, Retry-After %q", status, h.Get("Retry-After"))
	}
	g.Fail("/api/search", 0)
	if status, _, _ := mustGet(t, g.URL+"/api/search", "tok"); status != 200 {
		t.Errorf("healed = %d", status)
	}
}
