package prometheus

import (
	"regexp"
	"strings"

	"callboard"
)

// matcher is one label matcher of a selector: service="payment-service".
type matcher struct {
	Name, Op, Value string
}

// selector is a parsed callboard.io/slo-selector: label matchers that the
// plugin writes back into its PromQL itself, quoted, never the annotation's
// text.
type selector []matcher

// String is the selector as PromQL, without braces.
func (s selector) String() string {
	parts := make([]string, len(s))
	for i, m := range s {
		parts[i] = m.Name + m.Op + `"` + m.Value + `"`
	}
	return strings.Join(parts, ",")
}

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*`)

// parseSelector parses label matchers in PromQL's grammar, comma
// separated, optionally in braces: name op "value" with op one of =, !=,
// =~, !~. Values are double-quoted and may not hold a quote, a backslash,
// a backtick or a control character: the plugin has no escapes to get
// right, so nothing in a value can end the string early. Regular
// expressions must compile (RE2, as Prometheus's). __name__ is refused:
// the plugin picks the metric.
func parseSelector(text string) (selector, error) {
	bad := func(format string, args ...any) error {
		return callboard.Errorf(callboard.Invalid, "%s %q: "+format, append([]any{AnnotationSelector, text}, args...)...)
	}
	s := strings.TrimSpace(text)
	if strings.HasPrefix(s, "{") {
		if !strings.HasSuffix(s, "}") {
			return nil, bad("a { without its }")
		}
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	var sel selector
	for {
		name := labelName.FindString(s)
		if name == "" {
			return nil, bad("expected a label name at %q", cut(s))
		}
		if name == "__name__" {
			return nil, bad("the metric name is the plugin's (http_requests_total); match labels only")
		}
		s = strings.TrimSpace(s[len(name):])
		var op string
		for _, o := range []string{"=~", "!~", "!=", "="} {
			if strings.HasPrefix(s, o) {
				op = o
				break
			}
		}
		if op == "" {
			return nil, bad("expected =, !=, =~ or !~ after %s", name)
		}
		s = strings.TrimSpace(s[len(op):])
		if !strings.HasPrefix(s, `"`) {
			return nil, bad("the value of %s must be in double quotes", name)
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return nil, bad("the value of %s has no closing quote", name)
		}
		value := s[1 : end+1]
		if i := strings.IndexFunc(value, func(r rune) bool {
			return r == '\\' || r == '`' || r == '\'' || r < ' ' || r == 0x7f
		}); i >= 0 {
			return nil, bad("the value of %s holds %q, which is not allowed", name, value[i:i+1])
		}
		if op == "=~" || op == "!~" {
			if _, err := regexp.Compile("^(?:" + value + ")$"); err != nil {
				return nil, bad("the value of %s is not a regular expression: %v", name, err)
			}
		}
		sel = append(sel, matcher{Name: name, Op: op, Value: value})
		s = strings.TrimSpace(s[end+2:])
		if s == "" {
			break
		}
		if !strings.HasPrefix(s, ",") {
			return nil, bad("expected , or the end after %s%s%q, got %q", name, op, value, cut(s))
		}
		s = strings.TrimSpace(s[1:])
		if s == "" { // a trailing comma, as PromQL allows
			break
		}
	}
	return sel, nil
}

// cut shortens s for an error message.
func cut(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}
