package search

import (
	"encoding/json"
	"io"
	"strings"

	"callboard"
)

// builderVersion is part of every set's version: changing how documents
// are made (this file) reindexes everything on the next reconcile.
const builderVersion = "1"

// entitySet makes the catalog's search documents of one entity: a
// software template for a Template, a software-catalog entry otherwise,
// with Backstage's document fields (its catalog collator's, plus name).
func entitySet(e *callboard.Entity) callboard.SearchSet {
	ref := e.Ref()
	canon := ref.String()
	typ := callboard.SearchTypeCatalog
	location := "/catalog/" + refPath(ref)
	if strings.EqualFold(e.Kind, "Template") {
		typ = callboard.SearchTypeTemplate
		location = "/create/templates/" + namespaceOf(ref) + "/" + strings.ToLower(ref.Name)
	}
	specType, lifecycle, owner := specString(e, "type"), specString(e, "lifecycle"), specString(e, "owner")
	display := profileString(e, "displayName")
	title := e.Metadata.Title
	if title == "" {
		title = display
	}
	if title == "" {
		title = e.Metadata.Name
	}
	// Backstage's catalog collator: the description, then a person's or
	// team's display name, then a person's email.
	texts := []string{e.Metadata.Description}
	if display != "" {
		texts = append(texts, display)
	}
	if email := profileString(e, "email"); email != "" && strings.EqualFold(e.Kind, "User") {
		texts = append(texts, email)
	}
	text := strings.Join(nonEmpty(texts), " : ")
	ownerRef := ownerOf(e, owner)
	componentType := specType
	if componentType == "" {
		componentType = "other"
	}
	fields := map[string]any{
		"title": title, "text": text, "location": location,
		"kind": e.Kind, "namespace": namespaceOf(ref), "name": e.Metadata.Name,
		"componentType": componentType, "type": componentType,
		"lifecycle": lifecycle, "owner": owner,
		"authorization": map[string]any{"resourceRef": canon},
	}
	if len(e.Metadata.Tags) > 0 {
		fields["tags"] = e.Metadata.Tags
	}
	keywords := append([]string{e.Kind, specType, lifecycle, shortRef(ownerRef), specString(e, "system")}, e.Metadata.Tags...)
	return callboard.SearchSet{
		Type: typ, Entity: canon, Version: builderVersion + ":" + e.Metadata.Etag,
		Docs: []callboard.SearchDocument{{
			ID: canon, Kind: e.Kind, Owner: ownerRef,
			Name: e.Metadata.Name, Title: title, AltName: display,
			Keywords: nonEmpty(keywords), Text: text, Fields: fields,
		}},
	}
}

// docsIndex is search/search_index.json as MkDocs and callboard's
// builder write it.
type docsIndex struct {
	Docs []struct {
		Location string `json:"location"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	} `json:"docs"`
}

// maxDocsIndex bounds the search index read from one site.
const maxDocsIndex = 64 << 20

// docsSet makes the techdocs documents of an entity's site from its
// search index: one per section (location page/#anchor), and one per
// page unless its h1 section stands for it. A page that has sections is
// found by its title only, so that its text, which repeats its
// sections', does not list it twice. The
// fields are those of Backstage's TechDocs collator.
func docsSet(e *callboard.Entity, version string, index io.Reader) (callboard.SearchSet, error) {
	ref := e.Ref()
	canon := ref.String()
	set := callboard.SearchSet{Type: callboard.SearchTypeTechDocs, Entity: canon, Version: builderVersion + ":" + version}
	var idx docsIndex
	if err := json.NewDecoder(io.LimitReader(index, maxDocsIndex)).Decode(&idx); err != nil {
		return set, callboard.Wrap(callboard.Invalid, err, "the search index of %s's docs is malformed", canon)
	}
	hasSections := map[string]bool{}
	pageTitle := map[string]string{}
	for _, d := range idx.Docs {
		if page, _, section := strings.Cut(d.Location, "#"); !section {
			pageTitle[page] = d.Title
		}
	}
	// A page's h1 is a section titled as the page: it stands for the
	// page, which is then not listed twice.
	headed := map[string]bool{}
	for _, d := range idx.Docs {
		if page, _, section := strings.Cut(d.Location, "#"); section {
			hasSections[page] = true
			headed[page] = headed[page] || d.Title == pageTitle[page]
		}
	}
	owner := specString(e, "owner")
	ownerRef := ownerOf(e, owner)
	entityTitle := e.Metadata.Title
	if entityTitle == "" {
		entityTitle = e.Metadata.Name
	}
	base := "/docs/" + refPath(ref) + "/"
	componentType := specString(e, "type")
	if componentType == "" {
		componentType = "other"
	}
	seen := map[string]bool{}
	for _, d := range idx.Docs {
		if seen[d.Location] {
			continue
		}
		seen[d.Location] = true
		page, _, section := strings.Cut(d.Location, "#")
		if !section && headed[page] {
			continue
		}
		text, shown := d.Text, d.Text
		if !section && hasSections[page] {
			text, shown = "", cut(d.Text, 300)
		}
		keywords := []string{pageTitle[page], entityTitle, e.Metadata.Name}
		set.Docs = append(set.Docs, callboard.SearchDocument{
			ID: canon + "/" + d.Location, Kind: e.Kind, Owner: ownerRef,
			Title: d.Title, Keywords: nonEmpty(keywords), Text: text,
			Fields: map[string]any{
				"title": d.Title, "text": shown, "location": base + d.Location, "path": d.Location,
				"kind": e.Kind, "namespace": namespaceOf(ref), "name": e.Metadata.Name,
				"entityTitle": entityTitle, "componentType": componentType, "type": componentType,
				"lifecycle": specString(e, "lifecycle"), "owner": owner,
				"authorization": map[string]any{"resourceRef": canon},
			},
		})
	}
	return set, nil
}

// ownerOf returns the canonical ref of e's owner: its ownedBy relation,
// else spec.owner read as a group in e's namespace.
func ownerOf(e *callboard.Entity, owner string) string {
	for _, r := range e.Relations {
		if r.Type == callboard.RelationOwnedBy {
			return strings.ToLower(r.TargetRef)
		}
	}
	if owner == "" {
		return ""
	}
	ref, err := callboard.ParseRef(owner, "group", e.Metadata.Namespace)
	if err != nil {
		return ""
	}
	return ref.String()
}

// shortRef is the name part of a ref.
func shortRef(ref string) string {
	if i := strings.LastIndexAny(ref, ":/"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

func specString(e *callboard.Entity, key string) string {
	s, _ := e.Spec[key].(string)
	return s
}

func profileString(e *callboard.Entity, key string) string {
	p, _ := e.Spec["profile"].(map[string]any)
	s, _ := p[key].(string)
	return s
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// cut shortens s to about n bytes at a space, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := strings.LastIndexByte(s[:n], ' ')
	if i < n/2 {
		i = n
		for i > 0 && s[i]&0xC0 == 0x80 {
			i--
		}
	}
	return s[:i] + " …"
}

// namespaceOf is ref's namespace, "default" when empty.
func namespaceOf(ref callboard.EntityRef) string {
	if ref.Namespace == "" {
		return callboard.DefaultNamespace
	}
	return strings.ToLower(ref.Namespace)
}

// refPath is namespace/kind/name, lowercased, as portal URLs have it.
func refPath(ref callboard.EntityRef) string {
	return namespaceOf(ref) + "/" + strings.ToLower(ref.Kind) + "/" + strings.ToLower(ref.Name)
}
