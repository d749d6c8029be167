package render_test

import (
	"strings"
	"testing"

	"callboard/scaffold/render"

	"github.com/google/go-cmp/cmp"
)

// scope is the step context the tests render with.
func scope() map[string]any {
	return map[string]any{
		"parameters": map[string]any{
			"name":        "payment-service",
			"description": "Pays <things> & more",
			"httpPort":    float64(8080),
			"ratio":       0.25,
			"enableKafka": true,
			"enableDb":    false,
			"deployEnvs":  []any{"dev", "staging"},
			"repoUrl":     "github.com?owner=acme&repo=payments",
			"owner":       "group:default/platform",
			"bare":        "platform",
			"nested":      map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": "deep"}}}},
			"empty":       "",
			"items":       []any{},
		},
		"steps": map[string]any{
			"publish": map[string]any{"output": map[string]any{"remoteUrl": "https://github.com/acme/payments", "repoContentsUrl": "https://github.com/acme/payments/blob/main"}},
		},
		"user":    map[string]any{"ref": "user:default/ada", "entity": map[string]any{"metadata": map[string]any{"name": "ada"}}},
		"secrets": map[string]any{"token": "s3cr3t"},
		"each":    map[string]any{"key": 0, "value": "eu"},
	}
}

func TestValueKeepsTypes(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"string", "${{ parameters.name }}", "payment-service"},
		{"number", "${{ parameters.httpPort }}", float64(8080)},
		{"bool true", "${{ parameters.enableKafka }}", true},
		{"bool false", "${{ parameters.enableDb }}", false},
		{"list", "${{ parameters.deployEnvs }}", []any{"dev", "staging"}},
		{"object", "${{ parameters.repoUrl | parseRepoUrl }}", map[string]any{"host": "github.com", "owner": "acme", "repo": "payments"}},
		{"no spaces", "${{parameters.httpPort}}", float64(8080)},
		{"arithmetic", "${{ parameters.httpPort + 1 }}", 8081.0},
		{"comparison", "${{ parameters.name == 'payment-service' }}", true},
		{"steps bracket", "${{ steps['publish'].output.remoteUrl }}", "https://github.com/acme/payments"},
		{"user entity", "${{ user.entity.metadata.name }}", "ada"},
		{"secrets", "${{ secrets.token }}", "s3cr3t"},
		{"each", "${{ each.value }}", "eu"},
		{"inline if", "${{ 'db' if parameters.enableDb else 'nodb' }}", "nodb"},
		{"or default", "${{ parameters.missing or 'fallback' }}", "fallback"},
		{"mixed string", "port ${{ parameters.httpPort }}", "port 8080"},
		{"mixed bool", "${{ parameters.enableKafka }}!", "true!"},
		{"mixed list", "[${{ parameters.deployEnvs }}]", "[dev,staging]"},
		{"repo url", "github.com?owner=${{ parameters.bare }}&repo=${{ parameters.name }}", "github.com?owner=platform&repo=payment-service"},
		{"join", "${{ parameters.deployEnvs | join(',') }}", "dev,staging"},
		{"join undefined", "x${{ parameters.missing | join(',') }}", "x"},
		{"undefined deep", "${{ parameters.missing.deep.er }}", nil},
		{"undefined deep mixed", "a${{ parameters.missing.deep }}b", "ab"},
		{"undefined is dropped", "${{ parameters.missing }}", nil},
		{"empty string is kept", "${{ parameters.empty }}", ""},
		{"empty mixed string is dropped", "${{ parameters.empty }}${{ parameters.empty }}", nil},
		{"literal", "plain text", "plain text"},
		{"non-string", 42, 42},
		{"nested lookup", "${{ parameters.nested.a.b[0].c }}", "deep"},
		{"object literal keys", "${{ parameters.owner | parseEntityRef({ defaultKind: 'group' }) }}", map[string]any{"kind": "group", "namespace": "default", "name": "platform"}},
		{"parseEntityRef defaults", "${{ parameters.bare | parseEntityRef({ defaultKind: 'Group', defaultNamespace: 'ops' }) }}", map[string]any{"kind": "Group", "namespace": "ops", "name": "platform"}},
		{"pick", "${{ parameters.owner | parseEntityRef | pick('name') }}", "platform"},
		{"pick path", "${{ parameters.nested | pick('a.b[0].c') }}", "deep"},
		{"projectSlug", "${{ parameters.repoUrl | projectSlug }}", "acme/payments"},
		{"dump mixed", "name: ${{ parameters.description | dump }}", `name: "Pays <things> & more"`},
		{"dump typed", "${{ parameters.nested | dump }}", `{"a":{"b":[{"c":"deep"}]}}`},
		{"length", "${{ parameters.deployEnvs | length }}", 2},
		{"length undefined", "${{ parameters.missing | length }}", 0},
		{"string length property", "${{ parameters.name.length }}", 15},
		{"first last", "${{ parameters.deployEnvs | first }}-${{ parameters.deployEnvs | last }}", "dev-staging"},
		{"lower upper", "${{ 'AbC' | lower }}${{ 'AbC' | upper }}", "abcABC"},
		{"replace", "${{ parameters.name | replace('-', '_') }}", "payment_service"},
		{"default", "${{ parameters.missing | default('x') }}", "x"},
		{"d", "${{ parameters.missing | d('y') }}", "y"},
		{"trim capitalize title", "${{ '  hello world ' | trim | capitalize }}|${{ 'hello world' | title }}", "Hello world|Hello World"},
		{"sort reverse", "${{ ['b','a','c'] | sort | join('') }}${{ ['b','a','c'] | reverse | join('') }}", "abccab"},
		{"int float string", "${{ '42' | int + 1 }} ${{ '1.5' | float * 2 }} ${{ true | string }}", "43 3 true"},
		{"method", "${{ parameters.name.upper() }}", "PAYMENT-SERVICE"},
		{"for", "{% for e in parameters.deployEnvs %}{{ e }}:${{ e }};{% endfor %}", "{{ e }}:dev;{{ e }}:staging;"},
		{"loop index", "{% for e in parameters.deployEnvs %}${{ loop.index }}{% endfor %}", "12"},
		{"if", "{% if parameters.enableKafka %}kafka{% else %}none{% endif %}", "kafka"},
		{"map", map[string]any{"a": "${{ parameters.httpPort }}", "b": []any{"${{ parameters.enableKafka }}", "x"}, "gone": "${{ parameters.missing }}"},
			map[string]any{"a": float64(8080), "b": []any{true, "x"}}},
		{"safe", "${{ parameters.description | safe }}", "Pays <things> & more"},
		{"concat", "${{ parameters.bare + '/' + parameters.name }}", "platform/payment-service"},
		{"tilde", "${{ parameters.bare ~ '/' ~ parameters.name }}", "platform/payment-service"},
		{"float print", "${{ parameters.ratio }}x", "0.25x"},
		{"object print", "${{ parameters.nested }}", map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": "deep"}}}}},
		{"object print mixed", "o=${{ parameters.nested }}", "o=[object Object]"},
		{"trailing newline kept", "${{ parameters.bare }}\n", "platform\n"},
		{"length filter of string", "${{ parameters.bare | length }}", 8},
		{"in", "${{ 'dev' in parameters.deployEnvs }}", true},
		{"not", "${{ not parameters.enableDb }}", true},
		{"empty list", "${{ parameters.items }}", []any{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render.Value(tc.in, scope())
			if err != nil {
				t.Fatalf("Value(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Value(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestValueErrors(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []string // substrings of the error
	}{
		{"unknown filter", map[string]any{"values": map[string]any{"name": "${{ parameters.name | nosuch }}"}}, []string{"values.name", "line 1", "nosuch"}},
		{"unclosed", "${{ parameters.name ", []string{"line 1"}},
		{"bad repo url", "${{ 'github.com?owner=x' | parseRepoUrl }}", []string{"missing repo"}},
		{"bad entity ref", "${{ 'group:' | parseEntityRef }}", []string{"was not on the form"}},
		{"missing kind", "${{ 'platform' | parseEntityRef }}", []string{"missing or empty kind"}},
		{"include refused", "{% include '/etc/passwd' %}", []string{"/etc/passwd"}},
		{"line number", "a\nb\n${{ parameters.name | nosuch }}", []string{"line 3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render.Value(tc.in, scope())
			if err == nil {
				t.Fatalf("Value(%q) = %v, want an error", tc.in, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "Token[") {
				t.Errorf("error %q leaks gonja internals", err)
			}
		})
	}
}

func TestString(t *testing.T) {
	got, err := render.String("${{ parameters.name }} on ${{ parameters.httpPort }} kafka=${{ parameters.enableKafka }}", scope())
	if err != nil {
		t.Fatal(err)
	}
	if want := "payment-service on 8080 kafka=true"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestTruthy(t *testing.T) {
	tests := []struct {
		in   any
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {"", false}, {"false", true}, {"no", true},
		{0.0, false}, {1.0, true}, {0, false}, {3, true}, {[]any{}, false}, {[]any{1}, true},
		{map[string]any{}, true},
	}
	for _, tc := range tests {
		if got := render.Truthy(tc.in); got != tc.want {
			t.Errorf("Truthy(%#v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestIfCondition renders step conditions as the runner does: Value, then Truthy.
func TestIfCondition(t *testing.T) {
	tests := []struct {
		cond any
		want bool
	}{
		{"${{ parameters.enableKafka }}", true},
		{"${{ parameters.enableDb }}", false},
		{"${{ parameters.missing }}", false},
		{"${{ parameters.items }}", false},
		{"${{ parameters.deployEnvs }}", true},
		{"${{ parameters.name == 'x' }}", false},
		{"${{ not parameters.enableDb }}", true},
		{false, false},
		{true, true},
	}
	for _, tc := range tests {
		v, err := render.Value(tc.cond, scope())
		if err != nil {
			t.Fatalf("Value(%v): %v", tc.cond, err)
		}
		if got := render.Truthy(v); got != tc.want {
			t.Errorf("if %v: Truthy(%#v) = %v, want %v", tc.cond, v, got, tc.want)
		}
	}
}
