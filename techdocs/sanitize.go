package techdocs

import (
	"bytes"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// policy allows exactly what the renderer emits and what docs authors
// commonly write as raw HTML (tables, images, details, kbd, sub/sup, and
// iframes with an http(s) source), and nothing that runs code in the page:
// no script, style, object, form or event handler attributes, and only
// http(s), mailto and relative URLs. Iframes are kept by the build so that
// the portal can decide on them with its configuration
// (techdocs.sanitizer.allowedIframeHosts); Sanitizer removes the others.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false) // internal links are the common case
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[\w\- ]+$`)).Globally()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\w\-:.]+$`)).Globally()
	p.AllowElements("details", "summary", "abbr", "mark", "kbd", "sub", "sup", "del", "s", "ins",
		"dl", "dt", "dd", "figure", "figcaption", "label", "input", "span", "div", "pre", "code", "hr", "br")
	p.AllowAttrs("open").OnElements("details")
	p.AllowAttrs("title").OnElements("abbr", "a", "img", "span", "iframe")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^(radio|checkbox)$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").OnElements("input")
	p.AllowAttrs("name").Matching(regexp.MustCompile(`^__tabbed_\d+$`)).OnElements("input")
	p.AllowAttrs("for").Matching(regexp.MustCompile(`^[\w\-:.]+$`)).OnElements("label")
	p.AllowAttrs("data-tabs").Matching(regexp.MustCompile(`^\d+:\d+$`)).OnElements("div")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-[a-z]+$`)).OnElements("a", "div", "section", "li")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td", "p", "img", "div")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^\d+(%|px)?$`)).OnElements("img", "td", "th", "iframe")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^(lazy|eager)$`)).OnElements("img", "iframe")
	p.AllowAttrs("tabindex").Matching(regexp.MustCompile(`^0$`)).OnElements("pre")
	p.AllowElements("iframe")
	p.AllowAttrs("src").Matching(regexp.MustCompile(`(?i)^https?://[^\s"'<>]+$`)).OnElements("iframe")
	p.AllowAttrs("frameborder").Matching(regexp.MustCompile(`^\d$`)).OnElements("iframe")
	p.AllowAttrs("allowfullscreen").OnElements("iframe")
	p.AllowAttrs("allow").Matching(regexp.MustCompile(`^[a-z\-; ]+$`)).OnElements("iframe")
	p.AllowAttrs("referrerpolicy").Matching(regexp.MustCompile(`^[a-z\-]+$`)).OnElements("iframe")
	p.AllowDataURIImages()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	return p
}

// sanitize cleans rendered HTML with the docs policy.
func sanitize(b []byte) []byte {
	return policy.SanitizeBytes(b)
}

// Sanitize cleans HTML with the builder's policy and removes every iframe,
// as Backstage's reader does without techdocs.sanitizer.allowedIframeHosts.
func Sanitize(b []byte) []byte {
	return (*Sanitizer)(nil).Sanitize(b)
}

// Sanitizer is the portal's sanitizer of published pages: the builder's
// policy, and iframes only from the hosts techdocs.sanitizer's
// allowedIframeHosts lists. The portal runs every page through it, since a
// site in the bucket may have been built elsewhere (by techdocs-cli): pages
// we built pass through unchanged but for the iframes, others lose
// anything that runs code. A nil *Sanitizer allows no iframe.
type Sanitizer struct {
	hosts    map[string]bool // host[:port], as Backstage compares new URL(src).host
	prefixes []string        // object entries' src: an iframe's src must start with one
}

// NewSanitizer returns a sanitizer that keeps iframes whose src is on
// one of hosts ("www.youtube.com", "grafana.example.com:3000") or starts
// with one of prefixes (Backstage's object form, {src: https://...}).
func NewSanitizer(hosts, prefixes []string) *Sanitizer {
	s := &Sanitizer{hosts: map[string]bool{}}
	for _, h := range hosts {
		if h = strings.ToLower(strings.TrimSpace(h)); ValidIframeHost(h) {
			s.hosts[h] = true
		}
	}
	for _, p := range prefixes {
		if ValidIframeSrc(p) {
			s.prefixes = append(s.prefixes, p)
		}
	}
	return s
}

// FrameSources are the CSP frame-src sources of the iframes s allows: the
// portal's pages must name them for the browser to load those iframes.
func (s *Sanitizer) FrameSources() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.hosts)+len(s.prefixes))
	for h := range s.hosts {
		out = append(out, h) // any scheme, as Backstage compares the host only
	}
	for _, p := range s.prefixes {
		if u, err := url.Parse(p); err == nil {
			out = append(out, u.Scheme+"://"+u.Host+u.EscapedPath())
		}
	}
	sort.Strings(out)
	return out
}

var iframeHost = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$`)

// ValidIframeHost reports whether h is a host name with an optional port,
// the form allowedIframeHosts entries take (it also goes into the CSP).
func ValidIframeHost(h string) bool { return iframeHost.MatchString(h) }

// ValidIframeSrc reports whether p can be an allowedIframeHosts {src}
// prefix: an http(s) URL on a valid host, with nothing a CSP source could
// not hold (no query, spaces, quotes, ";" or ",").
func ValidIframeSrc(p string) bool {
	u, err := url.Parse(p)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && ValidIframeHost(u.Host) &&
		u.RawQuery == "" && u.Fragment == "" && u.User == nil && !strings.ContainsAny(p, " \t;,'\"")
}

// Sanitize cleans b with the policy and drops the iframes s does not allow.
func (s *Sanitizer) Sanitize(b []byte) []byte {
	out := policy.SanitizeBytes(b)
	if !bytes.Contains(out, []byte("<iframe")) {
		return out
	}
	return s.filterIframes(out)
}

// allows reports whether an iframe may load src.
func (s *Sanitizer) allows(src string) bool {
	if s == nil || src == "" {
		return false
	}
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false // relative sources would load the portal itself
	}
	if s.hosts[strings.ToLower(u.Host)] {
		return true
	}
	for _, p := range s.prefixes {
		// The prefix's scheme and host must match whole: a prefix
		// https://docs.google.com must not let docs.google.com.evil.example in.
		pu, _ := url.Parse(p)
		if strings.EqualFold(u.Scheme, pu.Scheme) && strings.EqualFold(u.Host, pu.Host) && strings.HasPrefix(u.EscapedPath(), pu.EscapedPath()) {
			return true
		}
	}
	return false
}

// filterIframes removes the iframes (with their fallback content) whose
// source s does not allow from sanitized HTML.
func (s *Sanitizer) filterIframes(b []byte) []byte {
	var out bytes.Buffer
	z := html.NewTokenizer(bytes.NewReader(b))
	skip := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out.Bytes()
		}
		name, hasAttr := z.TagName()
		isIframe := string(name) == "iframe"
		switch {
		case skip > 0:
			if isIframe && tt == html.StartTagToken {
				skip++
			} else if isIframe && tt == html.EndTagToken {
				skip--
			}
			continue
		case isIframe && (tt == html.StartTagToken || tt == html.SelfClosingTagToken):
			src := ""
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "src" {
					src = string(v)
				}
			}
			if !s.allows(src) {
				if tt == html.StartTagToken {
					skip = 1
				}
				continue
			}
		}
		out.Write(z.Raw())
	}
}
