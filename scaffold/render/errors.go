package render

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"callboard"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	pkgerrors "github.com/pkg/errors"
)

// recovered turns a panic inside gonja (reflection on unexpected input)
// into an Invalid error: bad templates must not take the server down.
func recovered(name string, err *error) {
	if r := recover(); r != nil {
		*err = templateError(name, fmt.Errorf("template engine failed: %v", r))
	}
}

// rootCause follows pkg/errors causes, Unwrap chains and gonja's *Value
// wrappers (a *Value holding an error is itself an error) to the first error.
func rootCause(err error) error {
	for {
		next := pkgerrors.Cause(err)
		if u := errors.Unwrap(next); u != nil {
			next = u
		}
		if v, ok := next.(*exec.Value); ok {
			if inner, ok := v.Interface().(error); ok && inner != nil {
				next = inner
			}
		}
		if next == err {
			return err
		}
		err = next
	}
}

var lineRE = regexp.MustCompile(`(?i)\bline:? (\d+)`)

// templateError turns a gonja error into an Invalid error naming the
// template and line, without gonja's dump of the whole source.
func templateError(name string, err error) error {
	cause := rootCause(err)
	line := ""
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		line = "line " + m[1]
	}
	msg := cleanMessage(cause.Error())
	switch {
	case name != "" && line != "":
		return callboard.Errorf(callboard.Invalid, "%s: %s: %s", name, line, msg)
	case name != "":
		return callboard.Errorf(callboard.Invalid, "%s: %s", name, msg)
	case line != "":
		return callboard.Errorf(callboard.Invalid, "%s: %s", line, msg)
	}
	return callboard.Errorf(callboard.Invalid, "%s", msg)
}

func exprError(name string, n nodes.Node, v *exec.Value) error {
	line := 0
	if p := n.Position(); p != nil {
		line = p.Line
	}
	return templateError(name, fmt.Errorf("line %d: %w", line, errors.New(v.Error())))
}

// gonja flattens errors to text at each filter call and prints its parser
// structures into them; these patterns take that noise out.
var (
	filterNoiseRE   = regexp.MustCompile(`unable to evaluate filter &\{<Token[^>]*>.*?\}: `)
	ourFilterRE     = regexp.MustCompile(`invalid call to filter '__cb_\w+': `)
	filterCallRE    = regexp.MustCompile(`invalid call to filter '(\w+)': `)
	parseTemplateRE = regexp.MustCompile(`(?s)^failed to parse template '.*': `)
)

// cleanMessage makes a gonja message readable: no parser dumps, no echo of
// the whole source, no mention of the rewrite's internal filters.
func cleanMessage(s string) string {
	s = parseTemplateRE.ReplaceAllString(s, "")
	s = filterNoiseRE.ReplaceAllString(s, "")
	s = ourFilterRE.ReplaceAllString(s, "")
	return filterCallRE.ReplaceAllString(s, "filter $1: ")
}

// redact replaces the values of scope["secrets"] in err's message with
// "***": gonja and the filters quote values in their errors, and errors end
// up in task logs.
func redact(err error, scope map[string]any) error {
	if err == nil {
		return nil
	}
	secrets, _ := scope["secrets"].(map[string]any)
	if len(secrets) == 0 {
		if s, ok := scope["secrets"].(map[string]string); ok {
			secrets = map[string]any{}
			for k, v := range s {
				secrets[k] = v
			}
		}
	}
	msg := err.Error()
	changed := false
	for _, v := range secrets {
		if s, ok := v.(string); ok && s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "***")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return callboard.Errorf(callboard.ErrorKind(err), "%s", msg)
}
