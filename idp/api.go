package idp

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"callboard"
	"callboard/plugin"
)

// The JSON API under /api/idp: the figures now, and the daily snapshots.
// Both answer CSV with ?format=csv (or Accept: text/csv).
func (m *IDP) routes() []plugin.Route {
	return []plugin.Route{
		{Method: http.MethodGet, Path: "/metrics", Handler: m.handleMetrics},
		{Method: http.MethodGet, Path: "/snapshots", Handler: m.handleSnapshots},
	}
}

func wantsCSV(r *http.Request) bool {
	return r.URL.Query().Get("format") == "csv" || r.Header.Get("Accept") == "text/csv"
}

// handleMetrics serves GET /api/idp/metrics.
func (m *IDP) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	got, err := m.current(r.Context())
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return writeCSV(w, "idp-metrics.csv", append([][]string{csvHead}, csvRow(time.DateOnly, *got)))
	}
	return writeJSON(w, got)
}

// handleSnapshots serves GET /api/idp/snapshots?days=N (90 by default).
func (m *IDP) handleSnapshots(w http.ResponseWriter, r *http.Request) error {
	days := m.trend
	if s := r.URL.Query().Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3660 {
			return callboard.Errorf(callboard.Invalid, "days must be a whole number from 1 to 3660, not %q", s)
		}
		days = n
	}
	snaps, err := m.snapshots(r, days)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		rows := [][]string{csvHead}
		for _, s := range snaps {
			rows = append(rows, csvRow(s.Day, s.Metrics))
		}
		return writeCSV(w, "idp-snapshots.csv", rows)
	}
	return writeJSON(w, map[string]any{"snapshots": snaps})
}

// Snapshot is one day's stored figures.
type Snapshot struct {
	Day     string  `json:"day"`
	Metrics Metrics `json:"metrics"`
}

func (m *IDP) snapshots(r *http.Request, days int) ([]Snapshot, error) {
	out := []Snapshot{}
	if m.src.Store == nil {
		return out, nil
	}
	since := m.src.Now().UTC().AddDate(0, 0, -days+1).Format(time.DateOnly)
	stored, err := m.src.Store.IDPSnapshots(r.Context(), since)
	if err != nil {
		return nil, err
	}
	for _, s := range stored {
		var got Metrics
		if err := json.Unmarshal(s.Body, &got); err != nil {
			return nil, callboard.Wrap(callboard.Internal, err, "IDP snapshot of %s", s.Day)
		}
		out = append(out, Snapshot{Day: s.Day, Metrics: got})
	}
	return out, nil
}

var csvHead = []string{"day", "service_completeness", "service_completeness_numerator", "service_completeness_denominator",
	"docs_freshness", "docs_freshness_numerator", "docs_freshness_denominator", "monthly_active_users", "month",
	"lead_time_p50_seconds", "lead_time_p90_seconds", "lead_time_samples", "scaffolder_tasks", "scaffolder_success_rate"}

// csvRow is one row of figures; day is a day or a layout for ComputedAt.
func csvRow(day string, m Metrics) []string {
	if day == time.DateOnly {
		day = m.ComputedAt.Format(time.DateOnly)
	}
	tasks, done, ok := 0, 0, 0
	for _, t := range m.Templates {
		tasks += t.Tasks
		done += t.Completed + t.Failed + t.Cancelled
		ok += t.Completed
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	i := strconv.Itoa
	return []string{day, f(m.ServiceCompleteness.Value), i(m.ServiceCompleteness.Numerator), i(m.ServiceCompleteness.Denominator),
		f(m.DocsFreshness.Value), i(m.DocsFreshness.Numerator), i(m.DocsFreshness.Denominator),
		i(m.MonthlyActiveUsers.Value), m.MonthlyActiveUsers.Month,
		f(m.NewServiceLeadTime.P50Seconds), f(m.NewServiceLeadTime.P90Seconds), i(m.NewServiceLeadTime.Samples),
		i(tasks), f(ratio(ok, done).Value)}
}

func writeCSV(w http.ResponseWriter, name string, rows [][]string) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}
