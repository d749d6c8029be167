package scorecards

import (
	"context"
	"slices"
	"strings"

	"callboard"
	"callboard/plugin"
	"callboard/scorecard"
)

// The catalog's filters: by the level an entity reaches on a scorecard
// (/catalog?level=<scorecard>:<level>, "none" for none) and by a check
// it fails (/catalog?failing=<scorecard>:<check>), from the stored
// results.
func (b *board) filters() []plugin.CatalogFilter {
	return []plugin.CatalogFilter{
		{Param: "level", Label: "Scorecard level", Choices: b.levelChoices, Entities: b.atLevel},
		{Param: "failing", Label: "Failing check", Choices: b.checkChoices, Entities: b.failing},
	}
}

func (b *board) levelChoices(context.Context) ([]plugin.Choice, error) {
	var out []plugin.Choice
	for _, s := range b.set().Scorecards {
		for _, l := range s.Levels {
			out = append(out, plugin.Choice{Value: s.ID + ":" + l.Name, Label: s.Title + ": " + l.Name})
		}
		out = append(out, plugin.Choice{Value: s.ID + ":" + NoLevel, Label: s.Title + ": no level"})
	}
	return out, nil
}

func (b *board) checkChoices(context.Context) ([]plugin.Choice, error) {
	var out []plugin.Choice
	for _, s := range b.set().Scorecards {
		for _, c := range s.Checks() {
			out = append(out, plugin.Choice{Value: s.ID + ":" + c.ID, Label: s.Title + ": " + c.Title})
		}
	}
	return out, nil
}

// picked splits the filter's value into a scorecard in force and the rest.
func (b *board) picked(ctx context.Context) (*scorecard.Scorecard, string, error) {
	id, rest, _ := strings.Cut(plugin.FilterValue(ctx), ":")
	s := b.set().Get(id)
	if s == nil {
		return nil, "", callboard.Errorf(callboard.Invalid, "no scorecard %q", id)
	}
	return s, rest, nil
}

func (b *board) atLevel(ctx context.Context) ([]string, error) {
	s, level, err := b.picked(ctx)
	if err != nil {
		return nil, err
	}
	return b.matching(ctx, s, func(r callboard.ScorecardSummary) bool { return orNone(r.Level) == level })
}

func (b *board) failing(ctx context.Context) ([]string, error) {
	s, check, err := b.picked(ctx)
	if err != nil {
		return nil, err
	}
	return b.matching(ctx, s, func(r callboard.ScorecardSummary) bool { return slices.Contains(r.Failing, check) })
}

func (b *board) matching(ctx context.Context, s *scorecard.Scorecard, keep func(callboard.ScorecardSummary) bool) ([]string, error) {
	rs, err := b.results.ScorecardSummaries(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, r := range rs {
		if keep(r) {
			out = append(out, r.Entity)
		}
	}
	return out, nil
}
