// Package scorecard evaluates scorecards: checks written as CEL
// expressions over an entity and the facts known about it, grouped in
// levels (bronze, silver, gold), each scorecard applying to the entities
// its filter chooses. Scorecards are YAML files (parse.go), reloaded when
// they change (watch.go); a built-in one measures service information
// completeness (default.yaml). Evaluate is pure: the caller brings the
// entity and its facts, and stores the results (callboard.ScorecardStore).
package scorecard

import (
	"time"

	"callboard"
)

// Scorecard is one scorecard as its file defines it.
type Scorecard struct {
	ID          string
	Title       string
	Description string
	// File and Line locate its definition ("built-in" for the default).
	File string
	Line int
	// Filter chooses the entities the scorecard applies to.
	Filter Filter
	// Levels, lowest first.
	Levels []Level
}

// Level is a named set of checks; an entity reaches it when its checks
// and those of every level below pass.
type Level struct {
	Name   string
	Checks []*Check
}

// Check is one CEL expression with what a user needs to act on it.
type Check struct {
	ID    string
	Title string
	// Why says why the check matters; Fix how to make it pass.
	Why string
	Fix string
	// Field is where the fix goes in catalog-info.yaml ("spec.owner"),
	// when it goes there: the entity's Scorecard tab links to its line.
	Field string
	// Expression is the CEL source; Line its line in File.
	Expression string
	Line       int
	expr       *expr
}

// Checks returns every check of s with its level, in order.
func (s *Scorecard) Checks() []LevelCheck {
	var out []LevelCheck
	for _, l := range s.Levels {
		for _, c := range l.Checks {
			out = append(out, LevelCheck{Level: l.Name, Check: c})
		}
	}
	return out
}

// LevelCheck is a check with the name of its level.
type LevelCheck struct {
	Level string
	*Check
}

// Applies reports whether s applies to e.
func (s *Scorecard) Applies(e *callboard.Entity) bool {
	return s.Filter.Match(entityMap(e))
}

// Evaluate runs every check of s on e with facts and returns the result,
// stamped now. A check whose expression does not compile, fails to
// evaluate (a fact it reads is missing) or exceeds its cost fails alone,
// with the reason as its message.
func (s *Scorecard) Evaluate(e *callboard.Entity, facts []callboard.Fact, now time.Time) callboard.ScorecardResult {
	return s.evaluate(newInput(e, facts, now))
}

func (s *Scorecard) evaluate(in input) callboard.ScorecardResult {
	r := callboard.ScorecardResult{Scorecard: s.ID, Entity: in.ref, At: in.now.UTC(), Checks: []callboard.CheckResult{}}
	reached := true
	for _, l := range s.Levels {
		all := true
		for _, c := range l.Checks {
			ok, msg := c.expr.eval(in)
			r.Total++
			if ok {
				r.Passed++
			} else {
				all = false
			}
			r.Checks = append(r.Checks, callboard.CheckResult{ID: c.ID, Title: c.Title, Level: l.Name,
				Passed: ok, Message: msg, Fix: c.Fix, Field: c.Field})
		}
		if reached && all {
			r.Level = l.Name
		} else {
			reached = false
		}
	}
	return r
}

// Set is the scorecards in force: the built-in one (unless turned off)
// and those of the files, in file order.
type Set struct {
	Scorecards []*Scorecard
	// Warnings are the checks whose expressions do not compile, as
	// "file:line: field: message"; those checks fail, the rest work.
	Warnings []string
}

// Get returns the scorecard id, or nil.
func (set *Set) Get(id string) *Scorecard {
	for _, s := range set.Scorecards {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Evaluate evaluates every scorecard of set that applies to e, with the
// facts known about e (every source's, as FactStore.FactsOf returns
// them), in the set's order.
func (set *Set) Evaluate(e *callboard.Entity, facts []callboard.Fact, now time.Time) []callboard.ScorecardResult {
	in := newInput(e, facts, now)
	var out []callboard.ScorecardResult
	for _, s := range set.Scorecards {
		if s.Filter.Match(in.entity) {
			out = append(out, s.evaluate(in))
		}
	}
	return out
}
