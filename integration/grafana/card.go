package grafana

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// dashboardSelector returns the entity's selector and the annotation it
// came from: grafana/dashboard-selector, else grafana/tag-selector.
func dashboardSelector(e *callboard.Entity) (annotation, value string) {
	if v := e.Annotation(AnnotationDashboardSelector); v != "" {
		return AnnotationDashboardSelector, v
	}
	return AnnotationTagSelector, e.Annotation(AnnotationTagSelector)
}

// alertSelector is what selects the entity's alerts: the label selector
// with unified alerting; with legacy alerting the dashboard tags of
// grafana/tag-selector, else the label selector's pairs read as tags.
func (c *client) alertSelector(e *callboard.Entity) string {
	if !c.unified && e.Annotation(AnnotationTagSelector) != "" {
		return e.Annotation(AnnotationTagSelector)
	}
	return e.Annotation(AnnotationAlertLabelSelector)
}

// entityDashboards returns the dashboards the entity's selector picks; a
// bad selector is an Invalid error naming the annotation.
func (c *client) entityDashboards(ctx context.Context, e *callboard.Entity) ([]Dashboard, error) {
	ann, v := dashboardSelector(e)
	if v == "" {
		return nil, nil
	}
	sel, err := parseSelector(v)
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "bad %s: %v", describe(ann, v), err)
	}
	return c.dashboards(ctx, sel)
}

// dashboardsCard lists the selected dashboards (title, folder, link) and
// the overview dashboard.
func (c *client) dashboardsCard(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	var parts []template.HTML
	if o := e.Annotation(AnnotationOverviewDashboard); o != "" {
		if !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
			return "", callboard.Errorf(callboard.Invalid, "bad %s: want an http or https URL", describe(AnnotationOverviewDashboard, o))
		}
		parts = append(parts, ui.KeyValues(ui.KV{Key: "Overview", Value: ui.Link(o, "Open the overview dashboard")}))
	}
	ann, v := dashboardSelector(e)
	if v == "" {
		return ui.Join(parts...), nil
	}
	ds, err := c.entityDashboards(ctx, e)
	if err != nil {
		return "", err
	}
	if len(ds) == 0 {
		return ui.Join(append(parts, ui.Empty("No dashboards", "No Grafana dashboard matches "+describe(ann, v)+"."))...), nil
	}
	rows := make([][]any, 0, len(ds))
	for _, d := range ds {
		folder := ui.Text("General")
		if d.FolderTitle != "" {
			folder = ui.Text(d.FolderTitle)
			if d.FolderURL != "" {
				folder = ui.Link(d.FolderURL, d.FolderTitle)
			}
		}
		rows = append(rows, []any{ui.Link(d.URL, d.Title), folder})
	}
	return ui.Join(append(parts, ui.Table([]string{"Dashboard", "Folder"}, rows))...), nil
}

// entityAlerts returns the alerts the entity's selector picks.
func (c *client) entityAlerts(ctx context.Context, e *callboard.Entity) ([]Alert, error) {
	v := c.alertSelector(e)
	if v == "" {
		return nil, nil
	}
	if !c.unified {
		var tags []string
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
		return c.legacyAlerts(ctx, tags)
	}
	sel, err := parseLabelSelector(v)
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "bad %s: %v", describe(AnnotationAlertLabelSelector, v), err)
	}
	return c.rules(ctx, sel)
}

// alertsCard lists the selected alerts with their state.
func (c *client) alertsCard(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
	as, err := c.entityAlerts(ctx, e)
	if err != nil {
		return "", err
	}
	if len(as) == 0 {
		return ui.Empty("No alerts", "No Grafana alert matches "+c.alertSelector(e)+"."), nil
	}
	rows := make([][]any, 0, len(as))
	for _, a := range as {
		rows = append(rows, []any{ui.Status(level(a.State), a.State), ui.Link(a.URL, a.Name)})
	}
	return ui.Table([]string{"State", "Alert"}, rows), nil
}

// level is the dot for an alert state, unified or legacy.
func level(state string) ui.Level {
	switch strings.ToLower(state) {
	case "firing", "alerting", "error":
		return ui.Bad
	case "pending", "nodata", "no_data", "recovering":
		return ui.Warn
	case "inactive", "normal", "ok":
		return ui.OK
	}
	return ui.Muted
}

// handleDashboards serves GET /api/grafana/dashboards/{kind}/{namespace}/{name}:
// the entity's dashboards and alerts as JSON. The portal has checked
// PermDashboardRead on the entity.
func (c *client) handleDashboards(w http.ResponseWriter, r *http.Request) error {
	e := plugin.RouteEntity(r)
	if _, v := dashboardSelector(e); v == "" && c.alertSelector(e) == "" {
		return callboard.Errorf(callboard.NotFound, "%s has no %s annotation", e.Ref(), AnnotationDashboardSelector)
	}
	ds, err := c.entityDashboards(r.Context(), e)
	if err != nil {
		return err
	}
	as, err := c.entityAlerts(r.Context(), e)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(struct {
		Dashboards []Dashboard `json:"dashboards"`
		Alerts     []Alert     `json:"alerts"`
	}{nonNil(ds), nonNil(as)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
