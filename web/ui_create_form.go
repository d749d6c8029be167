package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"callboard"
	"callboard/scaffold/params"
)

type createFormView struct {
	Template templateCard
	Ref      string // the templateRef the task API takes
	Pages    []formPage
	Error    string // the template's parameters could not be read
	Writable bool
	Labels   buttonLabels
}

// buttonLabels are spec.presentation.buttonLabels, with Backstage's defaults.
type buttonLabels struct {
	Back, Review, Create string
}

// handleCreateForm draws the form of a template: one page per parameter
// schema, a review page, and the submit to the task API (create.js).
func (s *Server) handleCreateForm(w http.ResponseWriter, r *http.Request) error {
	ref := callboard.EntityRef{Kind: "template", Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	e, err := s.catalog.Entity(r.Context(), ref) // NotFound when the caller may not read it
	if err != nil {
		return err
	}
	if err := s.authorize(r, callboard.PermTemplateParamRead, e, e.Ref().String()); err != nil {
		return err
	}
	v := createFormView{Template: cardOf(e), Ref: strings.ToLower(e.Kind) + ":" + e.Ref().Namespace + "/" + e.Metadata.Name,
		Writable: s.opts.Dev, Labels: buttonLabels{Back: "Back", Review: "Review", Create: "Create"}}
	if pres, ok := e.Spec["presentation"].(map[string]any); ok {
		if bl, ok := pres["buttonLabels"].(map[string]any); ok {
			v.Labels.Back = labelOr(bl["backButtonText"], v.Labels.Back)
			v.Labels.Review = labelOr(bl["reviewButtonText"], v.Labels.Review)
			v.Labels.Create = labelOr(bl["createButtonText"], v.Labels.Create)
		}
	}
	s.nameLinks(r.Context(), &v.Template.Owner)
	// The scaffolder validates a submission with this same compiled form.
	form, err := params.Parse(e.Spec["parameters"])
	if err != nil {
		v.Error = err.Error()
	} else {
		v.Pages = formPages(form)
	}
	return s.render(w, r, http.StatusOK, "create_form", "", &page{
		Title: v.Template.Title, Nav: "create", Data: v,
		Subtitle: labelOr(v.Template.Description, "Fill in the form, review, create"),
	})
}

// labelOr is s when it is a non-empty string, else def.
func labelOr(s any, def string) string {
	if str, _ := s.(string); str != "" {
		return str
	}
	return def
}

// formPage is one page of a template's form as the page template draws it.
type formPage struct {
	Index              int
	Title, Description string
	Fields             []formField
}

// formField is a params.Field in the page template's terms: attributes as
// text, values keyed by Path ("."-separated, as create.js sends them).
type formField struct {
	Path, ID           string
	Title, Description string
	Help, Placeholder  string
	Widget             string // params.Widget
	Type               string // the JSON Schema type
	Required           bool
	Autofocus          bool
	Readonly           bool
	Value              string // the default, as the input's text
	Checked            bool   // a boolean's default
	Options            []fieldOption
	Pattern            string
	MinLength          string
	MaxLength          string
	Minimum, Maximum   string
	UIOptions          string // ui:options as JSON, for the pickers' script
	Children           []formField
	Repo               params.RepoPicker
	When               string // shown only when this field has a value…
	WhenValues         string // …among these (JSON list; null: any value)
}

type fieldOption struct {
	Value    string // the enum value as JSON, so numbers stay numbers
	Label    string
	Selected bool
}

// formPages draws the compiled form's pages.
func formPages(f *params.Form) []formPage {
	pages := make([]formPage, 0, len(f.Pages))
	for i, p := range f.Pages {
		pg := formPage{Index: i, Title: p.Title, Description: p.Description}
		if pg.Title == "" {
			pg.Title = "Step " + strconv.Itoa(i+1)
		}
		for _, fd := range p.Fields {
			pg.Fields = append(pg.Fields, formFieldOf(fd))
		}
		pages = append(pages, pg)
	}
	return pages
}

func formFieldOf(f params.Field) formField {
	path := strings.ReplaceAll(f.Path, "/", ".")
	v := formField{
		Path: path, ID: "f-" + strings.ReplaceAll(path, ".", "-"), Title: f.Title, Description: f.Description,
		Help: f.Help, Placeholder: f.Placeholder, Widget: string(f.Widget), Type: f.Type,
		Required: f.Required, Autofocus: f.Autofocus, Readonly: f.Readonly, Pattern: f.Pattern,
		MinLength: intText(f.MinLength), MaxLength: intText(f.MaxLength),
		Minimum: numText(f.Minimum), Maximum: numText(f.Maximum),
	}
	if f.UIOptions != nil {
		if b, err := json.Marshal(f.UIOptions); err == nil {
			v.UIOptions = string(b)
		}
	}
	switch d := f.Default.(type) {
	case string:
		v.Value = d
	case float64, int, int64, json.Number:
		v.Value = fmt.Sprint(d)
	case bool:
		v.Checked = d
	}
	switch f.Widget {
	case params.WidgetTags:
		list, _ := f.Default.([]any)
		var vals []string
		for _, x := range list {
			if s, ok := x.(string); ok {
				vals = append(vals, s)
			}
		}
		v.Value = strings.Join(vals, ", ")
	case params.WidgetJSON:
		if f.Default != nil {
			b, _ := json.MarshalIndent(f.Default, "", "  ")
			v.Value = string(b)
		}
	case params.WidgetRepoURL:
		v.Repo = *f.Repo
	}
	for _, c := range f.Choices {
		b, _ := json.Marshal(c.Value)
		v.Options = append(v.Options, fieldOption{Value: string(b), Label: c.Label, Selected: c.Selected})
	}
	for _, c := range f.Fields {
		v.Children = append(v.Children, formFieldOf(c))
	}
	if f.DependsOn != "" {
		b, _ := json.Marshal(f.When)
		v.When, v.WhenValues = strings.ReplaceAll(f.DependsOn, "/", "."), string(b)
	}
	return v
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func numText(n *float64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatFloat(*n, 'f', -1, 64)
}
