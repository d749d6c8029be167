package web

import (
	"net/http"
	"strings"

	"callboard"
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
			v.Labels.Back = labelOr(pStr(bl["backButtonText"]), v.Labels.Back)
			v.Labels.Review = labelOr(pStr(bl["reviewButtonText"]), v.Labels.Review)
			v.Labels.Create = labelOr(pStr(bl["createButtonText"]), v.Labels.Create)
		}
	}
	v.Pages, err = formPages(e.Spec["parameters"])
	if err != nil {
		v.Error = err.Error()
	}
	return s.render(w, r, http.StatusOK, "create_form", "", &page{
		Title: v.Template.Title, Nav: "create", Data: v,
		Subtitle: labelOr(v.Template.Description, "Fill in the form, review, create"),
	})
}

func labelOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
