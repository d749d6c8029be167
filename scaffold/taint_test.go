package scaffold_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"callboard"
	"callboard/scaffold"
)

type sayInput struct {
	Message string `json:"message"`
	Extra   any    `json:"extra"`
}

// TestAttackSecretDerivedInDryRun renders what templates make of secrets:
// the action gets the real value; the log, the echoed input and the
// output show "***" for exactly the part that came from a secret.
func TestAttackSecretDerivedInDryRun(t *testing.T) {
	secrets := map[string]string{"token": "S3cr3T-Tok3n", "pw": "hunter2"}
	leak := regexp.MustCompile(`(?i)s3cr3t|tok3n|n3kot|t3rc3s|hunter|retnuh`)
	for _, tc := range []struct {
		name, message string
		got           string // what the action receives
		log           string // what the log shows
	}{
		{name: "exact", message: "${{ secrets.token }}", got: "S3cr3T-Tok3n", log: "***"},
		{name: "lower", message: "${{ secrets.token | lower }}", got: "s3cr3t-tok3n", log: "***"},
		{name: "upper", message: "x=${{ secrets.token | upper }}.", got: "x=S3CR3T-TOK3N.", log: "x=***."},
		{name: "reverse", message: "${{ secrets.pw | reverse }}", got: "2retnuh", log: "***"},
		{name: "replace", message: "${{ secrets.token | replace('-', '_') }}", got: "S3cr3T_Tok3n", log: "***"},
		{name: "join", message: "${{ ['a', secrets.pw] | join('/') }}", got: "a/hunter2", log: "a/***"},
		{name: "concatenation", message: "${{ 'pre-' ~ secrets.pw ~ '-post' }}", got: "pre-hunter2-post", log: "pre-***-post"},
		{name: "plus", message: "${{ secrets.pw + '!' }}", got: "hunter2!", log: "***!"},
		{name: "set variable", message: "{% set p = secrets.pw | upper %}p=${{ p }}", got: "p=HUNTER2", log: "p=***"},
		{name: "slice", message: "${{ secrets.pw[1:4] }}", got: "unt", log: "***"},
		{name: "two secrets", message: "${{ secrets.pw | upper }}:${{ secrets.token | lower }}", got: "HUNTER2:s3cr3t-tok3n", log: "***"},
		{name: "dump", message: "${{ secrets | dump }}", got: `{"pw":"hunter2","token":"S3cr3T-Tok3n"}`, log: `{"pw":"***"}`}, // one span, from the first secret to the last
		{name: "length says nothing", message: "len=${{ secrets.pw | length }}", got: "len=7", log: "len=7"},
		{name: "comparison says nothing", message: "eq=${{ secrets.pw == 'x' }}", got: "eq=false", log: "eq=false"},
		{name: "no secret", message: "${{ parameters.name | upper }}", got: "SVC", log: "SVC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			a := scaffold.NewActions()
			scaffold.Add(a, "x:say", func(sc callboard.StepContext, in sayInput) error {
				got = in.Message
				sc.Logf("said %s", in.Message)
				return nil
			}, scaffold.SupportsDryRun())
			tpl := mustTemplate(t, map[string]any{
				"parameters": map[string]any{"properties": map[string]any{"name": map[string]any{"type": "string"}}},
				"steps":      []any{map[string]any{"id": "s", "action": "x:say", "input": map[string]any{"message": tc.message}}},
				"output":     map[string]any{"text": []any{map[string]any{"title": "t", "content": tc.message}}},
			})
			res, err := scaffold.DryRun(t.Context(), a, tpl, map[string]any{"name": "svc"}, secrets, callboard.TaskUser{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Error != "" || got != tc.got {
				t.Errorf("the action got %q (error %q), want %q", got, res.Error, tc.got)
			}
			var lines []string
			for _, l := range res.Log {
				lines = append(lines, l.Body.Message)
			}
			if !strings.Contains(strings.Join(lines, "\n"), "said "+tc.log+"\n") {
				t.Errorf("log:\n%s\nwant the line %q", strings.Join(lines, "\n"), "said "+tc.log)
			}
			if in := res.Steps[0].Input["message"]; in != tc.log {
				t.Errorf("echoed input = %q, want %q", in, tc.log)
			}
			b, _ := json.Marshal(res)
			if m := leak.FindString(string(b)); m != "" {
				t.Errorf("the dry run's result shows %q: %s", m, b)
			}
		})
	}
}

// TestSecretDerivedValuesInEcho: values computed from a secret that are
// not strings are "***" in the echoed input; the action gets them as they
// are.
func TestSecretDerivedValuesInEcho(t *testing.T) {
	var got sayInput
	a := scaffold.NewActions()
	scaffold.Add(a, "x:say", func(sc callboard.StepContext, in sayInput) error {
		got = in
		return nil
	}, scaffold.SupportsDryRun())
	tpl := mustTemplate(t, map[string]any{"steps": []any{map[string]any{"id": "s", "action": "x:say", "input": map[string]any{
		"extra": "${{ {'pin': secrets.pin | int, 'isAdmin': secrets.pin == '1234', 'len': secrets.pin | length, 'k': 'v'} }}"}}}})
	res, err := scaffold.DryRun(t.Context(), a, tpl, nil, map[string]string{"pin": "1234"}, callboard.TaskUser{}, nil)
	if err != nil || res.Error != "" {
		t.Fatal(err, res.Error)
	}
	if b, _ := json.Marshal(got.Extra); string(b) != `{"isAdmin":true,"k":"v","len":4,"pin":1234}` {
		t.Errorf("the action got %s", b)
	}
	if b, _ := json.Marshal(res.Steps[0].Input["extra"]); string(b) != `{"isAdmin":"***","k":"v","len":4,"pin":"***"}` {
		t.Errorf("echoed input = %s", b)
	}
}
