package catalog

import (
	"callboard"
	"callboard/descriptor"
)

// linkWarnings are the warning status items of an entity's addresses that
// the portal shows as text instead of links (javascript:, data:...).
func linkWarnings(e *callboard.Entity) []callboard.StatusItem {
	var out []callboard.StatusItem
	for _, p := range descriptor.LinkWarnings(e) {
		out = append(out, callboard.StatusItem{Type: callboard.StatusProcessing, Level: "warning", Message: p.String()})
	}
	return out
}
