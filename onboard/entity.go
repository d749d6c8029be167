package onboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"callboard/descriptor"
)

// CatalogFile is the file onboarding proposes, at the repository root.
const CatalogFile = "catalog-info.yaml"

// doc is the proposed descriptor with Backstage's key order.
type doc struct {
	APIVersion string `yaml:"apiVersion" json:"apiVersion"`
	Kind       string `yaml:"kind" json:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name" json:"name"`
		Description string            `yaml:"description,omitempty" json:"description,omitempty"`
		Annotations map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
		Tags        []string          `yaml:"tags,omitempty" json:"tags,omitempty"`
		Links       []link            `yaml:"links,omitempty" json:"links,omitempty"`
	} `yaml:"metadata" json:"metadata"`
	Spec struct {
		Type      string `yaml:"type" json:"type"`
		Lifecycle string `yaml:"lifecycle" json:"lifecycle"`
		Owner     string `yaml:"owner" json:"owner"`
	} `yaml:"spec" json:"spec"`
}

type link struct {
	URL   string `yaml:"url" json:"url"`
	Title string `yaml:"title" json:"title"`
}

func (in *Inference) doc() doc {
	var d doc
	d.APIVersion, d.Kind = "backstage.io/v1alpha1", "Component"
	d.Metadata.Name, d.Metadata.Description = in.Name, in.Description
	d.Metadata.Annotations, d.Metadata.Tags = in.Annotations, in.Tags
	if in.Homepage != "" {
		d.Metadata.Links = []link{{URL: in.Homepage, Title: "Homepage"}}
	}
	d.Spec.Type, d.Spec.Lifecycle, d.Spec.Owner = in.Type, in.Lifecycle, in.Owner
	return d
}

// YAML renders the proposed catalog-info.yaml, with a comment saying where
// the owner came from, and checks it with callboard's own descriptor
// validator: an error names the file, line and field.
func (in *Inference) YAML() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Proposed by callboard onboard. Owner from %s; type: %s.\n", in.OwnerFrom, in.source("spec.type"))
	fmt.Fprintf(&b, "# Review spec.owner, spec.type and spec.lifecycle before merging.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(in.doc()); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	if err := validate(b.Bytes()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// validate parses and validates a descriptor as the catalog would.
func validate(data []byte) error {
	docs, problems := descriptor.Parse(CatalogFile, data)
	if len(problems) == 0 && len(docs) != 1 {
		return fmt.Errorf("%s: want one document, got %d", CatalogFile, len(docs))
	}
	if len(problems) == 0 {
		_, problems = descriptor.Validate(docs[0])
	}
	if len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.String()
		}
		return fmt.Errorf("proposed entity is invalid: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// Entity returns the proposed entity as JSON-shaped data (what
// analyze-location's generateEntities carry).
func (in *Inference) Entity() map[string]any {
	b, _ := json.Marshal(in.doc()) // plain strings and maps: cannot fail
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func (in *Inference) source(path string) string {
	for _, f := range in.Fields {
		if f.Path == path {
			return f.Source
		}
	}
	return ""
}
