package web

import (
	"context"
	"html/template"

	"callboard"
	"callboard/plugin"
)

// DocsPlugin is the Docs tab, the seam's first built-in user: an entity's
// TechDocs site in the reader's layout, for entities with
// backstage.io/techdocs-ref. docs is the publisher the reader pages read
// (Options.Docs); with nil the tab says no publisher is configured. The
// tab renders with the embedded templates (Options.TemplateDir does not
// reach it).
func DocsPlugin(docs DocsReader) plugin.Plugin {
	return plugin.Plugin{
		ID:    "docs",
		Title: "Docs",
		Setup: func(context.Context, plugin.Env) (*plugin.Instance, error) {
			u, err := newUI("")
			if err != nil {
				return nil, err
			}
			return &plugin.Instance{Tabs: []plugin.Tab{{
				ID:      "docs",
				Title:   "Docs",
				Applies: func(e *callboard.Entity) bool { return e.Annotation(callboard.AnnotationTechDocsRef) != "" },
				Render: func(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
					return renderDocsTab(ctx, u, docs, e)
				},
			}}}, nil
		},
	}
}
