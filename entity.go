package callboard

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Entity is a catalog entity in Backstage's envelope. Relations and Status are
// owned by the server: they are never read from descriptor files.
type Entity struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   Metadata       `json:"metadata"`
	Spec       map[string]any `json:"spec,omitempty"`
	Relations  []Relation     `json:"relations,omitempty"`
	Status     *Status        `json:"status,omitempty"`
}

// Ref returns the entity's reference; the namespace defaults to "default".
func (e *Entity) Ref() EntityRef {
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return EntityRef{Kind: e.Kind, Namespace: ns, Name: e.Metadata.Name}
}

// SpecString returns spec[key] when it is a string, else "".
func (e *Entity) SpecString(key string) string {
	s, _ := e.Spec[key].(string)
	return s
}

// SpecStrings returns spec[key] as a list of strings. A single string is a
// one-element list; non-string items are skipped.
func (e *Entity) SpecStrings(key string) []string {
	switch v := e.Spec[key].(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Metadata is an entity's metadata. Keys Backstage does not define are kept in
// Extra and written back unchanged.
type Metadata struct {
	UID         string            `json:"uid,omitempty"`
	Etag        string            `json:"etag,omitempty"`
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Links       []Link            `json:"links,omitempty"`
	Extra       map[string]any    `json:"-"`
}

// metadataKnown lists the keys decoded into Metadata's named fields.
var metadataKnown = map[string]bool{
	"uid": true, "etag": true, "name": true, "namespace": true, "title": true,
	"description": true, "labels": true, "annotations": true, "tags": true, "links": true,
}

type metadataFields Metadata // same fields, no methods: avoids recursion

// MarshalJSON writes the named fields and then the Extra keys, all in key
// order when there are Extra keys (entity_json.go).
func (m Metadata) MarshalJSON() ([]byte, error) { return m.appendJSON(make([]byte, 0, 512)) }

// UnmarshalJSON reads the named fields and keeps every other key in Extra.
// The object is split into keys once and each value decoded once.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	var f Metadata
	for k, raw := range all {
		var err error
		switch k {
		case "uid":
			err = json.Unmarshal(raw, &f.UID)
		case "etag":
			err = json.Unmarshal(raw, &f.Etag)
		case "name":
			err = json.Unmarshal(raw, &f.Name)
		case "namespace":
			err = json.Unmarshal(raw, &f.Namespace)
		case "title":
			err = json.Unmarshal(raw, &f.Title)
		case "description":
			err = json.Unmarshal(raw, &f.Description)
		case "labels":
			err = json.Unmarshal(raw, &f.Labels)
		case "annotations":
			err = json.Unmarshal(raw, &f.Annotations)
		case "tags":
			err = json.Unmarshal(raw, &f.Tags)
		case "links":
			err = json.Unmarshal(raw, &f.Links)
		default:
			var v any
			err = json.Unmarshal(raw, &v)
			if f.Extra == nil {
				f.Extra = map[string]any{}
			}
			f.Extra[k] = v
		}
		if err != nil {
			return fmt.Errorf("metadata.%s: %w", k, err)
		}
	}
	*m = f
	return nil
}

// Link is an entry of metadata.links.
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// Status is the server-owned status of an entity.
type Status struct {
	Items []StatusItem `json:"items"`
}

// StatusItem is one status entry; processing errors use type
// StatusProcessing and level "error".
type StatusItem struct {
	Type    string           `json:"type"`
	Level   string           `json:"level"`
	Message string           `json:"message"`
	Error   *SerializedError `json:"error,omitempty"`
}

// SerializedError is an error as Backstage serializes it in status items.
type SerializedError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// StatusProcessing is the status item type of catalog processing errors.
const StatusProcessing = "backstage.io/catalog-processing"

// Well-known annotations written or read by the catalog.
const (
	AnnotationManagedByLocation       = "backstage.io/managed-by-location"
	AnnotationManagedByOriginLocation = "backstage.io/managed-by-origin-location"
	AnnotationOrphan                  = "backstage.io/orphan"
	AnnotationSourceLocation          = "backstage.io/source-location"
	AnnotationViewURL                 = "backstage.io/view-url"
	AnnotationEditURL                 = "backstage.io/edit-url"
	AnnotationTechDocsRef             = "backstage.io/techdocs-ref"
)

// Annotation returns metadata.annotations[key], or "".
func (e *Entity) Annotation(key string) string {
	return e.Metadata.Annotations[key]
}

// SetAnnotation sets metadata.annotations[key], creating the map if needed.
func (e *Entity) SetAnnotation(key, value string) {
	if e.Metadata.Annotations == nil {
		e.Metadata.Annotations = map[string]string{}
	}
	e.Metadata.Annotations[key] = value
}

// lower lowercases the way Backstage's toLocaleLowerCase('en-US') does for
// the ASCII names that validation allows.
func lower(s string) string { return strings.ToLower(s) }
