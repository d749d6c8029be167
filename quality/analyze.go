package quality

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"callboard"
)

// Stored is an entity as data quality sees it: the entity, whether its
// source no longer emits it, and when it was last refreshed from its
// source (the later of its last change and its file's last good read).
type Stored struct {
	Entity    *callboard.Entity
	Orphan    bool
	Refreshed time.Time
}

// The problems data quality finds; each is also a catalog filter
// (/catalog?only=<problem>).
const (
	SourceOrphan    = "orphan"    // backstage.io/orphan: its source no longer emits it
	OwnershipOrphan = "ownerless" // its owner resolves to nothing, has no members or left the org
	Stale           = "stale"     // not refreshed from its source for longer than maxAge
	Dangling        = "dangling"  // a dependsOn / consumesApis / providesApis target that does not exist
	Duplicate       = "duplicate" // its kind and name exist in another namespace too
)

// Problems lists the problems in the order pages show them.
var Problems = []string{SourceOrphan, OwnershipOrphan, Stale, Dangling, Duplicate}

// Labels are the problems' names as users see them.
var Labels = map[string]string{
	SourceOrphan:    "Source orphans",
	OwnershipOrphan: "Ownership orphans",
	Stale:           "Stale entities",
	Dangling:        "Dangling relations",
	Duplicate:       "Duplicate names",
}

// Issue is one problem of one entity.
type Issue struct {
	Entity  string `json:"entityRef"`
	Kind    string `json:"kind"`
	Owner   string `json:"owner,omitempty"`
	Problem string `json:"problem"`
	Message string `json:"message"`
}

// Report is every issue of the catalog, by problem.
type Report struct {
	Entities int                `json:"entities"`
	Counts   map[string]int     `json:"counts"`
	Issues   map[string][]Issue `json:"issues"`
	At       time.Time          `json:"computedAt"`
	// entities are the analyzed entities by ref, for Visible.
	entities map[string]*callboard.Entity
}

// Visible returns the report as the caller may see it: the issues of
// entities for which allowed holds (catalog.entity.read); the counts
// follow.
func (r *Report) Visible(allowed func(*callboard.Entity) bool) *Report {
	out := &Report{Entities: 0, Counts: map[string]int{}, Issues: map[string][]Issue{}, At: r.At, entities: r.entities}
	for _, e := range r.entities {
		if allowed(e) {
			out.Entities++
		}
	}
	for p, is := range r.Issues {
		kept := []Issue{}
		for _, i := range is {
			if e := r.entities[i.Entity]; e != nil && allowed(e) {
				kept = append(kept, i)
			}
		}
		out.Issues[p], out.Counts[p] = kept, len(kept)
	}
	return out
}

// relationFields are the spec fields whose targets must exist, with the
// kind a target without one has (Backstage's defaults).
var relationFields = []struct{ field, kind string }{
	{"dependsOn", "component"}, {"consumesApis", "api"}, {"providesApis", "api"},
}

// Analyze finds every issue among entities at now; entities not
// refreshed for longer than maxAge are stale.
func Analyze(entities []Stored, now time.Time, maxAge time.Duration) *Report {
	r := &Report{Entities: len(entities), Counts: map[string]int{}, Issues: map[string][]Issue{}, At: now,
		entities: make(map[string]*callboard.Entity, len(entities))}
	byRef := make(map[string]Stored, len(entities))
	names := map[string][]string{} // kind:name -> refs
	members := map[string]int{}    // group ref -> members
	for _, s := range entities {
		e := s.Entity
		ref := e.Ref().String()
		byRef[ref] = s
		r.entities[ref] = e
		key := strings.ToLower(e.Kind) + ":" + strings.ToLower(e.Metadata.Name)
		names[key] = append(names[key], ref)
		switch strings.ToLower(e.Kind) {
		case "user":
			if !s.Orphan {
				for _, g := range specStrings(e, "memberOf") {
					if gr, err := callboard.ParseRef(g, "group", e.Metadata.Namespace); err == nil {
						members[gr.String()]++
					}
				}
			}
		case "group":
			members[ref] += len(specStrings(e, "members"))
		}
	}
	add := func(s Stored, problem, msg string) {
		e := s.Entity
		r.Issues[problem] = append(r.Issues[problem], Issue{Entity: e.Ref().String(), Kind: e.Kind, Owner: ownerRef(e), Problem: problem, Message: msg})
	}
	for _, s := range entities {
		e := s.Entity
		if s.Orphan || e.Annotation(callboard.AnnotationOrphan) == "true" {
			msg := "its source no longer emits it"
			if loc := e.Annotation(callboard.AnnotationManagedByLocation); loc != "" {
				msg += " (" + loc + ")"
			}
			add(s, SourceOrphan, msg)
		}
		if msg := ownership(e, byRef, members); msg != "" {
			add(s, OwnershipOrphan, msg)
		}
		if !s.Refreshed.IsZero() && now.Sub(s.Refreshed) > maxAge {
			add(s, Stale, fmt.Sprintf("not refreshed from its source for %d days (since %s)", int(now.Sub(s.Refreshed).Hours()/24), s.Refreshed.Format(time.DateOnly)))
		}
		for _, f := range relationFields {
			for _, t := range specStrings(e, f.field) {
				tr, err := callboard.ParseRef(t, f.kind, e.Metadata.Namespace)
				if err != nil {
					add(s, Dangling, fmt.Sprintf("spec.%s %q is not an entity ref", f.field, t))
					continue
				}
				if _, ok := byRef[tr.String()]; !ok {
					add(s, Dangling, fmt.Sprintf("spec.%s: %s does not exist", f.field, tr))
				}
			}
		}
	}
	for _, refs := range names {
		if len(refs) < 2 {
			continue
		}
		slices.Sort(refs)
		for _, ref := range refs {
			add(byRef[ref], Duplicate, "the same kind and name as "+strings.Join(others(refs, ref), ", "))
		}
	}
	for p, is := range r.Issues {
		slices.SortFunc(is, func(a, b Issue) int {
			return cmp.Or(strings.Compare(a.Entity, b.Entity), strings.Compare(a.Message, b.Message))
		})
		r.Counts[p] = len(is)
	}
	for _, p := range Problems {
		if r.Issues[p] == nil {
			r.Issues[p] = []Issue{}
			r.Counts[p] = 0
		}
	}
	return r
}

// ownership says why e's owner is no owner, or "".
func ownership(e *callboard.Entity, byRef map[string]Stored, members map[string]int) string {
	raw := specString(e, "owner")
	if raw == "" {
		return ""
	}
	or, err := callboard.ParseRef(raw, "group", e.Metadata.Namespace)
	if err != nil {
		return fmt.Sprintf("spec.owner %q is not an entity ref", raw)
	}
	o, ok := byRef[or.String()]
	switch {
	case !ok:
		return "its owner " + or.String() + " does not exist"
	case strings.EqualFold(or.Kind, "group") && members[or.String()] == 0:
		return "its owner " + or.String() + " has no members"
	case strings.EqualFold(or.Kind, "user") && (o.Orphan || o.Entity.Annotation(callboard.AnnotationOrphan) == "true"):
		return "its owner " + or.String() + " is no longer in the organization"
	}
	return ""
}

func ownerRef(e *callboard.Entity) string {
	raw := specString(e, "owner")
	if raw == "" {
		return ""
	}
	if or, err := callboard.ParseRef(raw, "group", e.Metadata.Namespace); err == nil {
		return or.String()
	}
	return raw
}

func specString(e *callboard.Entity, key string) string {
	s, _ := e.Spec[key].(string)
	return strings.TrimSpace(s)
}

func specStrings(e *callboard.Entity, key string) []string {
	var out []string
	switch v := e.Spec[key].(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
	case []string:
		out = v
	}
	return out
}

func others(refs []string, self string) []string {
	var out []string
	for _, r := range refs {
		if r != self {
			out = append(out, r)
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
