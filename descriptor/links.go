package descriptor

import (
	"fmt"
	"strings"

	"callboard"
)

// linkAnnotations are the annotations whose values the portal renders as
// links.
var linkAnnotations = []string{callboard.AnnotationViewURL, callboard.AnnotationEditURL}

// LinkWarnings reports the addresses of a valid entity that the portal
// shows as text instead of links (see callboard.LinkURL): metadata.links
// urls, the view-url and edit-url annotations and a url: source-location.
// They are warnings, not errors: Backstage accepts any string there, and
// the entity stays usable.
func LinkWarnings(e *callboard.Entity) []Problem {
	var out []Problem
	check := func(field, addr string) {
		if ok, scheme := callboard.LinkURL(addr); !ok {
			out = append(out, Problem{Field: field, Message: notALink(addr, scheme, "use http, https or mailto")})
		}
	}
	for i, l := range e.Metadata.Links {
		check(fmt.Sprintf("metadata.links[%d].url", i), l.URL)
	}
	for _, a := range linkAnnotations {
		if v, ok := e.Metadata.Annotations[a]; ok {
			check("metadata.annotations."+a, v)
		}
	}
	// Other location types (file:, github:...) are not shown as links.
	if typ, target, _ := strings.Cut(e.Annotation(callboard.AnnotationSourceLocation), ":"); typ == "url" {
		if ok, scheme := callboard.LinkURL(target); !ok || (scheme != "http" && scheme != "https") {
			out = append(out, Problem{Field: "metadata.annotations." + callboard.AnnotationSourceLocation,
				Message: notALink(target, scheme, "use url: with an http or https URL")})
		}
	}
	return out
}

// notALink says why addr, whose scheme is scheme, is shown as text.
func notALink(addr, scheme, fix string) string {
	switch {
	case scheme != "":
		return fmt.Sprintf("scheme %s: is not shown as a link; %s", scheme, fix)
	case addr == "":
		return "is empty, so it is not shown as a link; " + fix
	}
	return fmt.Sprintf("%q is not shown as a link: it is not an absolute URL; %s", trimForMessage(addr), fix)
}

// trimForMessage shortens an address quoted in a warning.
func trimForMessage(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:77]) + "..."
	}
	return s
}
