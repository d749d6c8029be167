package metrics_test

import (
	"testing"

	"callboard/metrics"
	"callboard/metrics/metricstest"
)

// TestIDPGauges: the IDP figures appear as gauges once computed, and not
// before.
func TestIDPGauges(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	url := newTestMetrics(t, m)
	var figures *metrics.IDPFigures
	m.IDP(func() (metrics.IDPFigures, bool) {
		if figures == nil {
			return metrics.IDPFigures{}, false
		}
		return *figures, true
	})
	if _, found := metricstest.Scrape(t, url, "").Value("callboard_idp_service_completeness_ratio"); found {
		t.Error("a gauge before the first computation")
	}
	figures = &metrics.IDPFigures{ServiceCompleteness: 0.4, DocsFreshness: 0.25, MonthlyActiveUsers: 7, LeadTimeP50: 7200, LeadTimeP90: 36000,
		LeadTimeSamples: 4, TemplateTasks: map[string]int{"template:default/a": 5}, TemplateSuccess: map[string]float64{"template:default/a": 0.8}}
	f := metricstest.Scrape(t, url, "")
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"callboard_idp_service_completeness_ratio", nil, 0.4},
		{"callboard_idp_docs_freshness_ratio", nil, 0.25},
		{"callboard_idp_monthly_active_users", nil, 7},
		{"callboard_idp_new_service_lead_time_seconds", []string{"quantile", "0.5"}, 7200},
		{"callboard_idp_new_service_lead_time_seconds", []string{"quantile", "0.9"}, 36000},
		{"callboard_idp_new_service_lead_time_samples", nil, 4},
		{"callboard_idp_template_tasks", []string{"template", "template:default/a"}, 5},
		{"callboard_idp_template_success_ratio", []string{"template", "template:default/a"}, 0.8},
	} {
		if got, found := f.Value(c.name, c.labels...); !found || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, found, c.want)
		}
	}
}
