package config

import (
	"slices"
	"strings"
)

// unclaimed ends the warning for a top-level section nobody reads.
const unclaimed = ": kept for a plugin; not used yet"

// Claim marks the top-level sections of keys (dotted paths allowed: the
// first segment counts) as read by a plugin of this binary: Load's
// warning that such a section is "kept for a plugin; not used yet" goes.
// The plugin decodes its section itself, strictly, through Decode.
func (c *Config) Claim(keys ...string) {
	for _, k := range keys {
		top, _, _ := strings.Cut(k, ".")
		c.Warnings = slices.DeleteFunc(c.Warnings, func(w string) bool {
			return w == top+unclaimed
		})
	}
}
