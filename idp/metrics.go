package idp

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"callboard"
)

// Metrics is GET /api/idp/metrics: the brief's objective measures of an
// internal developer portal. Every ratio is in [0, 1].
type Metrics struct {
	ServiceCompleteness Ratio             `json:"serviceCompleteness"`
	DocsFreshness       Ratio             `json:"docsFreshness"`
	MonthlyActiveUsers  ActiveUsers       `json:"monthlyActiveUsers"`
	NewServiceLeadTime  LeadTime          `json:"newServiceLeadTime"`
	Templates           []TemplateUsage   `json:"templates"`
	ComputedAt          time.Time         `json:"computedAt"`
	Definitions         map[string]string `json:"definitions,omitempty"`
}

// Ratio is numerator / denominator; Value is 0 when there is nothing to
// count.
type Ratio struct {
	Value       float64 `json:"value"`
	Numerator   int     `json:"numerator"`
	Denominator int     `json:"denominator"`
}

// ActiveUsers is the distinct signed-in users of Month (YYYY-MM).
type ActiveUsers struct {
	Value int    `json:"value"`
	Month string `json:"month"`
}

// LeadTime is the time from a scaffolder task's creation to the first
// successful production deployment of what it created.
type LeadTime struct {
	P50Seconds float64 `json:"p50Seconds"`
	P90Seconds float64 `json:"p90Seconds"`
	Samples    int     `json:"samples"`
}

// TemplateUsage is one template's tasks: how many ran, how many ended
// completed, failed or cancelled, and SuccessRate = completed / finished.
type TemplateUsage struct {
	Template    string  `json:"template"`
	Tasks       int     `json:"tasks"`
	Completed   int     `json:"completed"`
	Failed      int     `json:"failed"`
	Cancelled   int     `json:"cancelled"`
	SuccessRate float64 `json:"successRate"`
}

// definitions say how each figure is computed, as the page shows them.
var definitions = map[string]string{
	"serviceCompleteness": "Components that pass every check of the service-completeness scorecard / all components.",
	"docsFreshness":       "Entities with TechDocs whose source changed (its last commit, else the last build) in the last 3 months / all entities with TechDocs.",
	"monthlyActiveUsers":  "Distinct signed-in users this calendar month (UTC); only counts are kept.",
	"newServiceLeadTime":  "Scaffolder task created → first successful production deployment of the entity it registered (Argo CD history or GitHub deployments).",
	"templates":           "Scaffolder tasks by template; success rate = completed / finished.",
}

func ratio(n, d int) Ratio {
	r := Ratio{Numerator: n, Denominator: d}
	if d > 0 {
		r.Value = float64(n) / float64(d)
	}
	return r
}

// passesAll reports whether a scorecard result passed every check.
func passesAll(r callboard.ScorecardResult) bool { return r.Total > 0 && r.Passed == r.Total }

// completeness counts components passing the completeness scorecard.
func completeness(components []string, results []callboard.ScorecardResult) Ratio {
	passing := map[string]bool{}
	for _, r := range results {
		if passesAll(r) {
			passing[strings.ToLower(r.Entity)] = true
		}
	}
	n := 0
	for _, c := range components {
		if passing[strings.ToLower(c)] {
			n++
		}
	}
	return ratio(n, len(components))
}

// DocFacts are the docs plugin's facts about one entity with TechDocs.
type DocFacts struct {
	UpdatedAt time.Time // the source's last commit; zero when unknown
	BuiltAt   time.Time // the site's last build; zero when never built
}

// freshness counts docs updated since now-window: by the source's last
// commit when known, else by the build time. Docs never built are stale.
func freshness(docs []DocFacts, now time.Time, window time.Duration) Ratio {
	n := 0
	for _, d := range docs {
		at := d.UpdatedAt
		if at.IsZero() {
			at = d.BuiltAt
		}
		if !at.IsZero() && now.Sub(at) <= window {
			n++
		}
	}
	return ratio(n, len(docs))
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of sorted.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// leadTime summarizes the samples, in seconds.
func leadTime(samples []time.Duration) LeadTime {
	secs := make([]float64, 0, len(samples))
	for _, s := range samples {
		secs = append(secs, s.Seconds())
	}
	slices.Sort(secs)
	return LeadTime{P50Seconds: percentile(secs, 50), P90Seconds: percentile(secs, 90), Samples: len(secs)}
}

// taskSpec is what the metrics read of a task's spec.
type taskSpec struct {
	TemplateInfo struct {
		EntityRef string `json:"entityRef"`
	} `json:"templateInfo"`
}

func templateOf(t callboard.Task) string {
	var s taskSpec
	if json.Unmarshal(t.Spec, &s) != nil || s.TemplateInfo.EntityRef == "" {
		return "unknown"
	}
	return strings.ToLower(s.TemplateInfo.EntityRef)
}

// templates counts tasks by template, most used first.
func templates(tasks []callboard.Task) []TemplateUsage {
	by := map[string]*TemplateUsage{}
	for _, t := range tasks {
		name := templateOf(t)
		u := by[name]
		if u == nil {
			u = &TemplateUsage{Template: name}
			by[name] = u
		}
		u.Tasks++
		switch t.Status {
		case callboard.TaskCompleted:
			u.Completed++
		case callboard.TaskFailed:
			u.Failed++
		case callboard.TaskCancelled:
			u.Cancelled++
		}
	}
	out := make([]TemplateUsage, 0, len(by))
	for _, u := range by {
		if done := u.Completed + u.Failed + u.Cancelled; done > 0 {
			u.SuccessRate = float64(u.Completed) / float64(done)
		}
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b TemplateUsage) int {
		if a.Tasks != b.Tasks {
			return b.Tasks - a.Tasks
		}
		return strings.Compare(a.Template, b.Template)
	})
	return out
}
