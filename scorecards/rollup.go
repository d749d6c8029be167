package scorecards

import (
	"context"
	"slices"
	"strings"
	"time"

	"callboard"
	"callboard/scorecard"
)

// Rollup is a scorecard's standing over the entities the caller may read:
// GET /api/scorecards/{id} and the scorecard's page.
type Rollup struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Levels      []string `json:"levels"`
	// Entities counts the entities with a result; ByLevel counts them by
	// the level they reach ("none" for none).
	Entities int            `json:"entities"`
	ByLevel  map[string]int `json:"byLevel"`
	// Passed is the share of checks passed over all entities, in [0, 1].
	Passed  float64      `json:"passed"`
	Checks  []CheckCount `json:"checks"`
	Teams   []Group      `json:"teams"`
	Systems []Group      `json:"systems"`
	Trend   []Day        `json:"trend"`
}

// CheckCount is how many entities fail and pass one check.
type CheckCount struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Level   string `json:"level"`
	Failing int    `json:"failing"`
	Passing int    `json:"passing"`
}

// Group is the roll-up of the entities of one owner or one system; Ref
// is "" for those without.
type Group struct {
	Ref      string         `json:"ref"`
	Entities int            `json:"entities"`
	ByLevel  map[string]int `json:"byLevel"`
	Passed   float64        `json:"passed"`
	// Known is whether the catalog has Ref (that the caller may read).
	Known  bool   `json:"-"`
	checks [2]int // passed, total
}

// Day is the standing at the end of a day.
type Day struct {
	Day      string         `json:"day"`
	Entities int            `json:"entities"`
	ByLevel  map[string]int `json:"byLevel"`
}

// NoLevel is the ByLevel key of entities below the first level.
const NoLevel = "none"

// TrendDays is how far back trends go.
const TrendDays = 90

// visible returns the entities ctx may read, by ref.
func (b *board) visible(ctx context.Context) (map[string]*callboard.Entity, error) {
	es, err := b.entities(ctx)
	if err != nil {
		return nil, err
	}
	visible := make(map[string]*callboard.Entity, len(es))
	for _, e := range es {
		visible[e.Ref().String()] = e
	}
	return visible, nil
}

// rollup computes s's roll-up over the visible entities.
func (b *board) rollup(ctx context.Context, s *scorecard.Scorecard, visible map[string]*callboard.Entity) (*Rollup, error) {
	results, err := b.results.ScorecardSummaries(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	r := &Rollup{ID: s.ID, Title: s.Title, Description: s.Description, ByLevel: levelMap(s), Checks: []CheckCount{}}
	for _, l := range s.Levels {
		r.Levels = append(r.Levels, l.Name)
	}
	checkAt := map[string]int{}
	for _, c := range s.Checks() {
		checkAt[c.ID] = len(r.Checks)
		r.Checks = append(r.Checks, CheckCount{ID: c.ID, Title: c.Title, Level: c.Level})
	}
	teams, systems := map[string]*Group{}, map[string]*Group{}
	passed, total := 0, 0
	all := true // the caller may read every entity with a result
	for _, res := range results {
		e := visible[res.Entity]
		if e == nil {
			all = false
			continue
		}
		level := orNone(res.Level)
		r.Entities++
		r.ByLevel[level]++
		passed, total = passed+res.Passed, total+res.Total
		for _, id := range res.Failing {
			if i, ok := checkAt[id]; ok {
				r.Checks[i].Failing++
			}
		}
		add(teams, refOf(e, "owner", "group"), s, level, res)
		add(systems, refOf(e, "system", "system"), s, level, res)
	}
	for i := range r.Checks {
		// A result stored before the check existed counts it as passing
		// until the entity is evaluated again.
		r.Checks[i].Passing = r.Entities - r.Checks[i].Failing
	}
	r.Passed = ratio(passed, total)
	r.Teams, r.Systems = groups(teams, visible), groups(systems, visible)
	if r.Trend, err = b.trend(ctx, s, visible, all); err != nil {
		return nil, err
	}
	return r, nil
}

func levelMap(s *scorecard.Scorecard) map[string]int {
	m := map[string]int{NoLevel: 0}
	for _, l := range s.Levels {
		m[l.Name] = 0
	}
	return m
}

func orNone(level string) string {
	if level == "" {
		return NoLevel
	}
	return level
}

func add(m map[string]*Group, ref string, s *scorecard.Scorecard, level string, res callboard.ScorecardSummary) {
	g := m[ref]
	if g == nil {
		g = &Group{Ref: ref, ByLevel: levelMap(s)}
		m[ref] = g
	}
	g.Entities++
	g.ByLevel[level]++
	g.checks[0] += res.Passed
	g.checks[1] += res.Total
}

func groups(m map[string]*Group, visible map[string]*callboard.Entity) []Group {
	known := make(map[string]bool, len(visible))
	for ref := range visible {
		known[strings.ToLower(ref)] = true
	}
	out := make([]Group, 0, len(m))
	for _, g := range m {
		g.Passed = ratio(g.checks[0], g.checks[1])
		g.Known = known[g.Ref]
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Group) int { return strings.Compare(a.Ref, b.Ref) })
	return out
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// refOf is the canonical ref of e's spec.<key>, "" when it has none.
func refOf(e *callboard.Entity, key, kind string) string {
	v := e.SpecString(key)
	if v == "" {
		return ""
	}
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = callboard.DefaultNamespace
	}
	r, err := callboard.ParseRef(v, kind, ns)
	if err != nil {
		return ""
	}
	return strings.ToLower(r.String())
}

// trend counts, for each of the last TrendDays days, the entities by
// level as they stood at the end of the day. When the caller may read
// every entity with a current result, the database sums the days (and
// entities since deleted count on the days they existed); otherwise only
// the visible entities' rows are counted.
func (b *board) trend(ctx context.Context, s *scorecard.Scorecard, visible map[string]*callboard.Entity, all bool) ([]Day, error) {
	since := time.Now().UTC().AddDate(0, 0, -TrendDays)
	out := []Day{}
	at := func(day string) *Day {
		if len(out) == 0 || out[len(out)-1].Day != day {
			out = append(out, Day{Day: day, ByLevel: levelMap(s)})
		}
		return &out[len(out)-1]
	}
	if all {
		counts, err := b.results.ScorecardTrend(ctx, s.ID, since)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			d := at(c.Day)
			d.Entities += c.Entities
			d.ByLevel[orNone(c.Level)] += c.Entities
		}
		return out, nil
	}
	rows, err := b.results.ScorecardHistory(ctx, s.ID, since)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		if visible[row.Entity] == nil {
			continue
		}
		d := at(row.Day)
		d.Entities++
		d.ByLevel[orNone(row.Level)]++
	}
	return out, nil
}
