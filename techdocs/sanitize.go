package techdocs

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// policy allows exactly what the renderer emits and what docs authors
// commonly write as raw HTML (tables, images, details, kbd, sub/sup), and
// nothing that runs code: no script, style, iframe, object, form or event
// handler attributes, and only http(s), mailto and relative URLs.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false) // internal links are the common case
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[\w\- ]+$`)).Globally()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\w\-:.]+$`)).Globally()
	p.AllowElements("details", "summary", "abbr", "mark", "kbd", "sub", "sup", "del", "s", "ins",
		"dl", "dt", "dd", "figure", "figcaption", "label", "input", "span", "div", "pre", "code", "hr", "br")
	p.AllowAttrs("open").OnElements("details")
	p.AllowAttrs("title").OnElements("abbr", "a", "img", "span")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^(radio|checkbox)$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").OnElements("input")
	p.AllowAttrs("name").Matching(regexp.MustCompile(`^__tabbed_\d+$`)).OnElements("input")
	p.AllowAttrs("for").Matching(regexp.MustCompile(`^[\w\-:.]+$`)).OnElements("label")
	p.AllowAttrs("data-tabs").Matching(regexp.MustCompile(`^\d+:\d+$`)).OnElements("div")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-[a-z]+$`)).OnElements("a", "div", "section", "li")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td", "p", "img", "div")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^\d+(%|px)?$`)).OnElements("img", "td", "th")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^(lazy|eager)$`)).OnElements("img")
	p.AllowAttrs("tabindex").Matching(regexp.MustCompile(`^0$`)).OnElements("pre")
	p.AllowDataURIImages()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	return p
}

// sanitize cleans rendered HTML with the docs policy.
func sanitize(b []byte) []byte {
	return policy.SanitizeBytes(b)
}

// Sanitize cleans HTML with the same policy the builder uses. The portal
// runs every published page through it, since a site in the bucket may
// have been built elsewhere (by techdocs-cli): pages we built pass through
// unchanged, others lose anything that runs code.
func Sanitize(b []byte) []byte {
	return policy.SanitizeBytes(b)
}
