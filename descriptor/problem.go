// Package descriptor reads and validates Backstage catalog-info.yaml
// descriptor files the way Backstage's catalog does, with errors that name
// the file, the line and the field.
//
// The pipeline is Parse (YAML to JSON-compatible documents), then
// ResolvePlaceholders ($text, $json, $yaml), then Validate (envelope,
// metadata and per-kind spec rules), then Edges (the relations processing
// emits). The package does no I/O of its own: placeholder targets are read
// through a ReadFunc the caller passes in.
package descriptor

import (
	"strconv"
	"strings"
)

// Problem is one thing wrong with a descriptor. Field is a dotted path such
// as "spec.owner", "metadata.links[0].url" or
// "metadata.annotations.backstage.io/techdocs-ref"; it is empty for problems
// that concern the whole document or file.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String returns "file:line: field: message", leaving out empty parts.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	} else if p.Line > 0 {
		b.WriteString("line " + strconv.Itoa(p.Line) + ": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error makes a Problem usable as an error.
func (p Problem) Error() string { return p.String() }
