package scorecards

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"callboard"
	"callboard/catalog"
)

// maxSource bounds the catalog-info.yaml read for line links.
const maxSource = 4 << 20

// source is where an entity's catalog-info.yaml is: its URL (for a link),
// or its path for a file location, and its text.
type source struct {
	url, path string
	data      []byte
}

// sourceOf reads the file e came from (its managed-by-location): url:
// targets through the portal's URL reader, file: targets from disk (the
// catalog reads them there too). nil when e has no such location or the
// file cannot be read: the tab then shows no line links.
func (b *board) sourceOf(ctx context.Context, e *callboard.Entity) *source {
	loc := e.Annotation(callboard.AnnotationManagedByLocation)
	typ, target, ok := strings.Cut(loc, ":")
	if !ok {
		return nil
	}
	switch typ {
	case "url":
		if b.read == nil {
			return nil
		}
		data, err := b.read(ctx, target)
		if err == nil && len(data) > maxSource {
			err = callboard.Errorf(callboard.Invalid, "larger than %d bytes", maxSource)
		}
		if err != nil {
			b.env.Log.Debug("cannot read catalog-info.yaml for line links", "entity", e.Ref().String(), "err", err)
			return nil
		}
		return &source{url: target, data: data}
	case "file":
		// Only what the catalog could have read: a YAML file of catalog
		// size, through the catalog's confined read (symlinks resolved,
		// regular files only, never /proc, /sys or /dev).
		if ext := strings.ToLower(filepath.Ext(target)); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		dir := filepath.Dir(target)
		data, err := catalog.ReadInRoot(dir, dir, target, maxSource)
		if err != nil {
			b.env.Log.Debug("cannot read catalog-info.yaml for line links", "entity", e.Ref().String(), "err", err)
			return nil
		}
		return &source{path: target, data: data}
	}
	return nil
}

// line returns the line of field (a dotted path: spec.owner) in e's
// document of the file, or of the deepest part of it that is there (spec:
// when spec.owner is missing); 0 when e's document is not found.
func (src *source) line(e *callboard.Entity, field string) int {
	dec := yaml.NewDecoder(bytes.NewReader(src.data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return 0 // the end, or YAML the catalog could not read either
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if !strings.EqualFold(scalar(root, "kind"), e.Kind) {
			continue
		}
		md := child(root, "metadata")
		if md == nil || scalar(md, "name") != e.Metadata.Name {
			continue
		}
		line := root.Line
		n := root
		for _, part := range strings.Split(field, ".") {
			k, v := entry(n, part)
			if k == nil {
				break
			}
			line, n = k.Line, v
		}
		return line
	}
}

// entry finds key in a mapping node: its key node and value node.
func entry(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func child(n *yaml.Node, key string) *yaml.Node {
	_, v := entry(n, key)
	return v
}

func scalar(n *yaml.Node, key string) string {
	if v := child(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
