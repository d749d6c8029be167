package web

import (
	"context"
	"html/template"
	"strconv"
	"strings"

	"callboard"
)

// EntityTab is a tab a feature adds to entity pages without touching the
// page template: Docs, Kubernetes, CI, Scorecard. It is registered as a
// value in Options.EntityTabs; the registry is the slice, not a global.
type EntityTab struct {
	// ID is the tab's path segment: /catalog/{ns}/{kind}/{name}/{ID}. It
	// must not be one of the built-in tabs (relations, apis, definition).
	ID string
	// Title is the tab's label.
	Title string
	// Applies reports whether the tab shows for an entity (usually: the
	// entity carries the feature's annotation). Nil means always.
	Applies func(*callboard.Entity) bool
	// Render returns the tab's body. An error is shown inside the tab,
	// never as a broken page; a Kind other than Internal shows its message.
	Render func(ctx context.Context, e *callboard.Entity) (template.HTML, error)
}

// EntityCard is a card a feature adds to the Overview tab of entity pages,
// after the built-in cards. Its fields mean what EntityTab's do.
type EntityCard struct {
	ID      string
	Title   string
	Applies func(*callboard.Entity) bool
	Render  func(ctx context.Context, e *callboard.Entity) (template.HTML, error)
	// Wide makes the card span the full width instead of half.
	Wide bool
}

// pluginBlock is a rendered tab or card.
type pluginBlock struct {
	ID, Title string
	HTML      template.HTML
	Err       string
	Wide      bool
}

// renderPlugin runs a plugin's Render, turning an error or a panic into a
// message inside its block.
func (s *Server) renderPlugin(ctx context.Context, id, title string, wide bool, e *callboard.Entity,
	render func(context.Context, *callboard.Entity) (template.HTML, error)) (b pluginBlock) {
	b = pluginBlock{ID: id, Title: title, Wide: wide}
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("entity plugin panicked", "plugin", id, "panic", v)
			b.HTML, b.Err = "", "this panel failed to load"
		}
	}()
	if render == nil {
		return b
	}
	h, err := render(ctx, e)
	if err != nil {
		if callboard.ErrorKind(err) == callboard.Internal {
			s.log.Error("entity plugin failed", "plugin", id, "err", err)
		}
		b.Err = title + " is unavailable: " + callboard.ErrorMessage(err)
		return b
	}
	b.HTML = h
	return b
}

func applies(f func(*callboard.Entity) bool, e *callboard.Entity) bool {
	return f == nil || f(e)
}

// checkTabs panics on a plugin tab without an ID or with a taken one.
func checkTabs(tabs []EntityTab) {
	seen := map[string]bool{tabOverview: true, tabRelations: true, tabAPIs: true, tabDefinition: true, "unregister": true}
	for _, t := range tabs {
		if t.ID == "" || seen[t.ID] || strings.ContainsAny(t.ID, "/?#") {
			panic("web: entity tab ID " + strconv.Quote(t.ID) + " is empty, invalid or taken")
		}
		seen[t.ID] = true
	}
}
