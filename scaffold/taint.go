package scaffold

import (
	"reflect"
	"unicode"
	"unicode/utf8"

	"callboard/scaffold/render"
)

// Secrets reach a task's log not only as they are but as templates make
// them: ${{ secrets.token | lower }}, | reverse, | replace, | join, ~
// concatenation, {% set t = secrets.token | upper %}${{ t }}... Masking
// the exact value misses all of those, and reading the template for the
// word "secrets" cannot tell which part of a result came from a secret.
//
// So what may see secrets is rendered three times: with the real secrets
// and with two sets of canaries, strings as long as each secret that
// differ from it, and from each other, at every position, ignoring case.
// The parts of the real result that differ from either canary result
// depend on a secret. Of a string that is the span from the first to the
// last differing character ("pw=hunter2 len=7" gives "hunter2", so the log
// keeps "pw=*** len=7"); the masker learns it and hides it from then on in
// log lines, errors, echoed inputs and stored outputs. Any other value
// that differs (a number or bool computed from a secret) is "***" in the
// echo. A result that is the same for all three (secrets.x | length) says
// nothing of the secret. Rendering is pure, so the canary renders have no
// effect but their cost, paid only by tasks that have secrets.

// noCanary stands for a canary result that does not exist: all of the real
// result is derived.
type noCanary struct{}

// newCanaries returns the two canary versions of secrets.
func newCanaries(secrets map[string]string) [2]map[string]any {
	out := [2]map[string]any{{}, {}}
	for k, v := range secrets {
		var a, b []rune
		for i, r := range []rune(v) {
			a = append(a, canaryRune(unicode.ToLower(r), 0, i))
			b = append(b, canaryRune(unicode.ToLower(r), a[i], i+11))
		}
		out[0][k], out[1][k] = string(a), string(b)
	}
	return out
}

// canaryRune returns a lower-case letter other than not and other.
func canaryRune(not, other rune, i int) rune {
	for j := 0; ; j++ {
		c := 'a' + rune((i*7+j)%26)
		if c != not && c != other {
			return c
		}
	}
}

// render renders v with the scope (render.Value) and learns what of the
// result comes from a secret. It returns the result for the action and an
// echo of it that is safe to log and store.
func (x *execution) render(v any) (out, echo any, err error) {
	out, err = render.Value(v, x.scope)
	if len(x.secrets) == 0 {
		if err != nil {
			return nil, nil, err
		}
		return out, x.mask.value(out), nil
	}
	if err != nil {
		// A failing filter may quote what it was given: when the canaries
		// fail too, what their messages do not share is derived.
		var msgs [2]string
		for i := range msgs {
			_, cerr := render.Value(v, x.canaryScope(i))
			if cerr == nil {
				return nil, nil, err
			}
			msgs[i] = cerr.Error()
		}
		x.derive(err.Error(), msgs[0], msgs[1])
		return nil, nil, err
	}
	return out, x.mask.value(x.learn(v, out)), nil
}

// canaryScope is the scope with the i-th canaries for secrets.
func (x *execution) canaryScope(i int) map[string]any {
	s := make(map[string]any, len(x.scope))
	for k, v := range x.scope {
		s[k] = v
	}
	s["secrets"] = x.canaries[i]
	return s
}

// learn compares out, what in rendered to, with in's canary renders and
// returns out with the derived values that are not strings as "***".
func (x *execution) learn(in, out any) any {
	var cs [2]any
	for i := range cs {
		c, err := render.Value(in, x.canaryScope(i))
		if err != nil {
			// A canary made a filter fail (one that wants a URL, say):
			// compare part by part.
			return x.learnParts(in, out)
		}
		cs[i] = c
	}
	return x.derive(out, cs[0], cs[1])
}

// learnParts learns each part of in on its own; a string whose canary
// render fails is derived whole.
func (x *execution) learnParts(in, out any) any {
	switch in := in.(type) {
	case map[string]any:
		if om, ok := out.(map[string]any); ok {
			echo := make(map[string]any, len(om))
			for k, v := range om {
				echo[k] = x.learn(in[k], v)
			}
			return echo
		}
	case []any:
		if os, ok := out.([]any); ok && len(os) == len(in) {
			echo := make([]any, len(os))
			for i, v := range os {
				echo[i] = x.learn(in[i], v)
			}
			return echo
		}
	}
	return x.derive(out, noCanary{}, noCanary{})
}

// derive compares the real result r with the canary results a and b,
// teaches the masker the derived strings, and returns r with the other
// derived values as "***".
func (x *execution) derive(r, a, b any) any {
	if reflect.DeepEqual(r, a) && reflect.DeepEqual(r, b) {
		return r
	}
	switch r := r.(type) {
	case string:
		as, aok := a.(string)
		bs, bok := b.(string)
		if aok && bok {
			x.mask.add(differing(r, as, bs))
		} else {
			x.mask.add(r)
		}
		return r
	case map[string]any:
		am, _ := a.(map[string]any)
		bm, _ := b.(map[string]any)
		echo := make(map[string]any, len(r))
		for k, v := range r {
			av, aok := am[k]
			bv, bok := bm[k]
			if !aok || !bok {
				echo[k] = x.derive(v, noCanary{}, noCanary{})
			} else {
				echo[k] = x.derive(v, av, bv)
			}
		}
		return echo
	case []any:
		as, aok := a.([]any)
		bs, bok := b.([]any)
		echo := make([]any, len(r))
		for i, v := range r {
			if aok && bok && len(as) == len(r) && len(bs) == len(r) {
				echo[i] = x.derive(v, as[i], bs[i])
			} else {
				echo[i] = x.derive(v, noCanary{}, noCanary{})
			}
		}
		return echo
	}
	return "***"
}

// differing returns the span of r from the first to the last byte where
// it differs from a or from b, widened to whole characters.
func differing(r, a, b string) string {
	p := min(commonPrefix(r, a), commonPrefix(r, b))
	s := min(commonSuffix(r, a, p), commonSuffix(r, b, p))
	start, end := p, len(r)-s
	for start > 0 && start < len(r) && !utf8.RuneStart(r[start]) {
		start--
	}
	for end < len(r) && !utf8.RuneStart(r[end]) {
		end++
	}
	if start >= end {
		return ""
	}
	return r[start:end]
}

func commonPrefix(r, a string) int {
	n := 0
	for n < len(r) && n < len(a) && r[n] == a[n] {
		n++
	}
	return n
}

// commonSuffix is the length of the common suffix of r and a that leaves
// the first p bytes of both alone.
func commonSuffix(r, a string, p int) int {
	n := 0
	for n < len(r)-p && n < len(a)-p && r[len(r)-1-n] == a[len(a)-1-n] {
		n++
	}
	return n
}
