package callboard

import (
	"context"
	"time"
)

// Fact is one typed observation a plugin makes about an entity ("the
// availability SLO is met", "3 open incidents"): scorecards read them.
type Fact struct {
	// Entity is the canonical ref of the entity the fact is about.
	Entity string `json:"entity"`
	// Source is the ID of the plugin that reported it.
	Source string `json:"source"`
	// Key names the fact within its source, dotted lower camel case
	// ("availability.objective").
	Key string `json:"key"`
	// Value is a bool, an int64, a float64, a string or a time.Time;
	// CheckFact refuses other types.
	Value any `json:"value"`
	// At is when the fact was observed, UTC.
	At time.Time `json:"at"`
}

// CheckFact returns Invalid when f lacks a key or its value is not one
// of the types Fact allows.
func CheckFact(f Fact) error {
	if f.Key == "" {
		return Errorf(Invalid, "fact of %s from %s has no key", f.Entity, f.Source)
	}
	switch f.Value.(type) {
	case bool, int64, float64, string, time.Time:
		return nil
	}
	return Errorf(Invalid, "fact %s from %s has a value of type %T; use bool, int64, float64, string or time.Time", f.Key, f.Source, f.Value)
}

// FactSource answers the facts known about an entity. Errors: Upstream
// when a source did not answer, Internal otherwise.
type FactSource interface {
	Facts(ctx context.Context, e *Entity) ([]Fact, error)
}

// FactStore keeps facts in the database, so that every replica answers
// what a job computed on one of them (the Kubernetes drift scan).
type FactStore interface {
	// PutFacts replaces the facts source reported about entity (a
	// canonical ref) with facts; their Entity and Source are set from
	// the arguments, a zero At becomes now. None removes them all.
	// Errors: Invalid (empty source or entity, a fact CheckFact refuses),
	// Internal.
	PutFacts(ctx context.Context, source, entity string, facts []Fact) error
	// FactsOf returns every source's facts about entity, by source and
	// key. Errors: Internal.
	FactsOf(ctx context.Context, entity string) ([]Fact, error)
	// EntitiesWithFact returns the refs, sorted, of the entities whose
	// fact source/key equals value (same type, same value). Errors:
	// Invalid (a value of a type Fact does not allow), Internal.
	EntitiesWithFact(ctx context.Context, source, key string, value any) ([]string, error)
	// FactsWithKey returns fact source/key of every entity that has it,
	// sorted by entity: one read where a report needs a fact of many
	// entities. Errors: Internal.
	FactsWithKey(ctx context.Context, source, key string) ([]Fact, error)
}
