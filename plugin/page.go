package plugin

import (
	"context"
	"html/template"
	"net/http"
)

// Page is a page of the portal at /<ID><Path>, drawn inside the portal's
// frame (sidebar, top bar, sign-in) like its own pages: the Scorecards
// page. Pages are GET only; a form that changes state posts to one of
// the plugin's Routes.
type Page struct {
	// Path is the page below /<ID>, in http.ServeMux's pattern syntax:
	// "" for /<ID> itself, "/{id}" for one page per item.
	Path string
	// Title is the page's title when Render gives none.
	Title string
	// Nav, when set, puts the page in the sidebar under this label.
	Nav string
	// Icon names the sidebar icon (plugin/ui's Icon names); "" is "gauge".
	Icon string
	// Render returns the page's content for the request r (its path
	// values and query). Its context carries the caller, so Allowed and
	// the Catalog's lookups answer for them. An error is shown as the
	// portal's error page with the status of its kind.
	Render func(ctx context.Context, r *http.Request) (Content, error)
}

// Content is a rendered page: its title and subtitle (one line saying
// what the page is) and its body, made with package plugin/ui's blocks.
type Content struct {
	Title, Subtitle string
	Body            template.HTML
}
