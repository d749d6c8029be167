package promtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"callboard/internal/promtest"
)

// TestStartServesBackfilledSeries checks the backfilled TSDB answers: 30
// days of 0.1% errors is an availability of 99.9.
func TestStartServesBackfilledSeries(t *testing.T) {
	srv := promtest.Start(t, promtest.Service{Name: "a", PerStep: 1000, Phases: []promtest.Phase{{ErrorRatio: 0.001}}})
	q := `sum(increase(http_requests_total{status="500"}[30d])) / sum(increase(http_requests_total[30d]))`
	resp, err := http.Get(srv.URL + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Data.Result) != 1 || body.Data.Result[0].Value[1] != "0.001" {
		t.Errorf("ratio = %+v, want 0.001", body.Data.Result)
	}
}
