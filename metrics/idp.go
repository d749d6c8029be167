package metrics

import "github.com/prometheus/client_golang/prometheus"

// IDPFigures are the IDP metrics as gauges: the figures of
// GET /api/idp/metrics, read at each scrape from the last computation.
type IDPFigures struct {
	ServiceCompleteness, DocsFreshness float64 // ratios in [0, 1]
	MonthlyActiveUsers                 int
	LeadTimeP50, LeadTimeP90           float64 // seconds
	LeadTimeSamples                    int
	TemplateTasks                      map[string]int     // by template ref
	TemplateSuccess                    map[string]float64 // completed / finished, by template ref
}

// IDP exports the IDP metrics from read; ok false (nothing computed yet)
// exports none.
func (m *Metrics) IDP(read func() (IDPFigures, bool)) {
	m.reg.MustRegister(&idpCollector{read: read})
}

var (
	idpCompleteness = prometheus.NewDesc(Prefix+"idp_service_completeness_ratio",
		"Components passing every check of the service-completeness scorecard / all components.", nil, nil)
	idpFreshness = prometheus.NewDesc(Prefix+"idp_docs_freshness_ratio",
		"Docs whose source changed in the freshness window (idp.freshDays) / all docs.", nil, nil)
	idpUsers = prometheus.NewDesc(Prefix+"idp_monthly_active_users",
		"Distinct signed-in users of the portal this calendar month (UTC).", nil, nil)
	idpLead = prometheus.NewDesc(Prefix+"idp_new_service_lead_time_seconds",
		"Scaffolder task created to first production deployment, by quantile (0.5, 0.9).", []string{"quantile"}, nil)
	idpLeadSamples = prometheus.NewDesc(Prefix+"idp_new_service_lead_time_samples",
		"Scaffolded services whose first production deployment was seen.", nil, nil)
	idpTasks = prometheus.NewDesc(Prefix+"idp_template_tasks",
		"Scaffolder tasks in the database, by template.", []string{"template"}, nil)
	idpSuccess = prometheus.NewDesc(Prefix+"idp_template_success_ratio",
		"Completed / finished scaffolder tasks, by template.", []string{"template"}, nil)
)

type idpCollector struct {
	read func() (IDPFigures, bool)
}

func (c *idpCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{idpCompleteness, idpFreshness, idpUsers, idpLead, idpLeadSamples, idpTasks, idpSuccess} {
		ch <- d
	}
}

func (c *idpCollector) Collect(ch chan<- prometheus.Metric) {
	f, ok := c.read()
	if !ok {
		return
	}
	g := prometheus.GaugeValue
	ch <- prometheus.MustNewConstMetric(idpCompleteness, g, f.ServiceCompleteness)
	ch <- prometheus.MustNewConstMetric(idpFreshness, g, f.DocsFreshness)
	ch <- prometheus.MustNewConstMetric(idpUsers, g, float64(f.MonthlyActiveUsers))
	ch <- prometheus.MustNewConstMetric(idpLead, g, f.LeadTimeP50, "0.5")
	ch <- prometheus.MustNewConstMetric(idpLead, g, f.LeadTimeP90, "0.9")
	ch <- prometheus.MustNewConstMetric(idpLeadSamples, g, float64(f.LeadTimeSamples))
	for t, n := range f.TemplateTasks {
		ch <- prometheus.MustNewConstMetric(idpTasks, g, float64(n), t)
	}
	for t, v := range f.TemplateSuccess {
		ch <- prometheus.MustNewConstMetric(idpSuccess, g, v, t)
	}
}
