package app

import (
	"context"

	"callboard"
	"callboard/catalog"
	"callboard/idp"
	"callboard/index"
	"callboard/metrics"
)

// newIDP builds the IDP metrics over the whole catalog (they are counts,
// the same for every caller), the task store and the database, records
// signed-in users for the monthly active users, and exports the figures
// as gauges.
func (s *server) newIDP() *idp.IDP {
	cat := s.cat
	m := idp.New(idp.Sources{
		Entities: func(ctx context.Context) ([]*callboard.Entity, error) {
			es, _, err := cat.Query(catalog.Unfiltered(ctx), index.Query{})
			return es, err
		},
		Tasks: s.db,
		Store: s.db,
	})
	s.web.SeenUser = m.SeenUser
	s.metrics.IDP(func() (metrics.IDPFigures, bool) { return idpFigures(m.Latest()) })
	return m
}

func idpFigures(got *idp.Metrics) (metrics.IDPFigures, bool) {
	if got == nil {
		return metrics.IDPFigures{}, false
	}
	f := metrics.IDPFigures{ServiceCompleteness: got.ServiceCompleteness.Value, DocsFreshness: got.DocsFreshness.Value,
		MonthlyActiveUsers: got.MonthlyActiveUsers.Value, LeadTimeP50: got.NewServiceLeadTime.P50Seconds,
		LeadTimeP90: got.NewServiceLeadTime.P90Seconds, LeadTimeSamples: got.NewServiceLeadTime.Samples,
		TemplateTasks: map[string]int{}, TemplateSuccess: map[string]float64{}}
	for _, t := range got.Templates {
		f.TemplateTasks[t.Template] = t.Tasks
		f.TemplateSuccess[t.Template] = t.SuccessRate
	}
	return f, true
}
