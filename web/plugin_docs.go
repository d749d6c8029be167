package web

import (
	"context"
	"html/template"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/techdocs/docsync"
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
			return &plugin.Instance{Facts: func(ctx context.Context, e *callboard.Entity) ([]callboard.Fact, error) {
				return docsFacts(ctx, docs, e)
			}, Tabs: []plugin.Tab{{
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

// docsStatus is the docs syncer's view of a site's last build, when the
// reader is the syncer.
type docsStatus interface {
	Status(ref callboard.EntityRef) docsync.Status
}

// docsFacts are what scorecards read about an entity's TechDocs:
//
//	published  bool  a site is published
//	builds     bool  published, and the last build did not fail
//	builtAt    time  when the published site was built
//	ageDays    int   whole days since then
//	updatedAt  time  the source's last commit, when the builder recorded it
//	lastError  string  why the last build failed, when it did
//
// Entities without backstage.io/techdocs-ref have none.
func docsFacts(ctx context.Context, docs DocsReader, e *callboard.Entity) ([]callboard.Fact, error) {
	if docs == nil || e.Annotation(callboard.AnnotationTechDocsRef) == "" {
		return nil, nil
	}
	ref := e.Ref()
	m, err := docs.Metadata(ctx, ref)
	published := err == nil
	if err != nil && callboard.ErrorKind(err) != callboard.NotFound {
		return nil, err
	}
	lastError := ""
	if st, ok := docs.(docsStatus); ok {
		lastError = st.Status(ref).LastError
	}
	out := []callboard.Fact{
		{Key: "published", Value: published},
		{Key: "builds", Value: published && lastError == ""},
	}
	if lastError != "" {
		out = append(out, callboard.Fact{Key: "lastError", Value: lastError})
	}
	if published {
		if at := m.BuildTime(); !at.IsZero() {
			out = append(out, callboard.Fact{Key: "builtAt", Value: at.UTC()},
				callboard.Fact{Key: "ageDays", Value: int64(time.Since(at) / (24 * time.Hour))})
		}
		if at := docsync.SourceCommitTime(m); !at.IsZero() {
			out = append(out, callboard.Fact{Key: "updatedAt", Value: at})
		}
	}
	return out, nil
}
