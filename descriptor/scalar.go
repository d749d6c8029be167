package descriptor

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The YAML 1.2 core schema, which is what Backstage's YAML library applies
// to plain (unquoted, untagged) scalars. yaml.v3 resolves more (YAML 1.1
// timestamps, "0b1010", "1_000"), so we resolve plain scalars ourselves.
var (
	coreInt   = regexp.MustCompile(`^[-+]?[0-9]+$`)
	coreOct   = regexp.MustCompile(`^0o[0-7]+$`)
	coreHex   = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)
	coreFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	coreInf   = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF)$`)
	coreNaN   = regexp.MustCompile(`^\.(nan|NaN|NAN)$`)
)

// scalar converts a scalar node to a JSON-compatible value.
func scalar(n *yaml.Node) any {
	if n.Style&yaml.TaggedStyle != 0 {
		return tagged(n)
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value
	}
	return coreScalar(n.Value)
}

// coreScalar resolves a plain scalar under the YAML 1.2 core schema.
func coreScalar(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	}
	if len(s) > 400 || !startsNumber(s[0]) {
		// No number is that long, and each form below starts with a
		// sign, a digit or a dot: most scalars skip the regexps.
		return s
	}
	switch {
	case coreInt.MatchString(s), coreFloat.MatchString(s):
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return s
		}
		return finite(f)
	case coreOct.MatchString(s):
		return parseBase(s[2:], 8)
	case coreHex.MatchString(s):
		return parseBase(s[2:], 16)
	case coreInf.MatchString(s), coreNaN.MatchString(s):
		return nil // JSON has no infinity or NaN; JSON.stringify writes null
	}
	return s
}

// startsNumber reports whether c can start an int, float, octal, hex,
// infinity or NaN of the core schema.
func startsNumber(c byte) bool {
	return c == '-' || c == '+' || c == '.' || ('0' <= c && c <= '9')
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func parseBase(digits string, base int) any {
	f := 0.0
	for _, d := range digits {
		v, _ := strconv.ParseInt(string(d), base, 64)
		f = f*float64(base) + float64(v)
	}
	return finite(f)
}

// finite maps the values JSON cannot carry to null.
func finite(f float64) any {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil
	}
	return f
}

// tagged honours an explicit tag. Tags the core schema does not know
// (!!timestamp, !!binary, custom ones) leave the text as a string, as
// Backstage's parser does after warning.
func tagged(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true":
			return true
		case "false":
			return false
		}
	case "!!int", "!!float":
		if v := coreScalar(n.Value); v == nil {
			return nil
		} else if _, ok := v.(float64); ok {
			return v
		}
	}
	return n.Value
}

// jsonTypeName names a value's JSON type for messages.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return "an unsupported value"
}
