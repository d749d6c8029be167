package render_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"callboard"
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
			"steps2":      map[string]any{"x": 1, "y": "z"},
			"entity":      &callboard.Entity{Metadata: callboard.Metadata{Name: "web"}},
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
		{"backstage parseEntityRef example", `${{ parameters.bare | parseEntityRef({ defaultKind:"group", defaultNamespace:"another-namespace" }) }}`,
			map[string]any{"kind": "group", "namespace": "another-namespace", "name": "platform"}},
		{"backstage parseRepoUrl example", "${{ 'github.com?repo=backstage&owner=backstage' | parseRepoUrl }}", map[string]any{"host": "github.com", "owner": "backstage", "repo": "backstage"}},
		{"parseRepoUrl azure", "${{ 'dev.azure.com?organization=org&project=p&repo=r' | parseRepoUrl }}", map[string]any{"host": "dev.azure.com", "organization": "org", "project": "p", "repo": "r"}},
		{"strict equal", "${{ parameters.name === 'payment-service' }}", true},
		{"strict not equal", "${{ parameters.name !== 'payment-service' }}", false},
		{"strict equal in string kept", "${{ 'a === b' }}", "a === b"},
		{"elseif", "{% if parameters.enableDb %}a{% elseif parameters.enableKafka %}b{% endif %}", "b"},
		{"raw keeps elseif", "{% raw %}{% elseif %} ==={% endraw %}", "{% elseif %} ==="},
		{"js startsWith", "${{ parameters.name.startsWith('pay') }}", true},
		{"js includes", "${{ parameters.name.includes('ment') }}", true},
		{"js toUpperCase", "${{ parameters.bare.toUpperCase() }}", "PLATFORM"},
		{"js padStart slice", "${{ '7'.padStart(3, '0') }}${{ parameters.name.slice(-7) }}", "007service"},
		{"js list join", "${{ parameters.deployEnvs.join('+') }}", "dev+staging"},
		{"js list includes", "${{ parameters.deployEnvs.includes('dev') }}", true},
		{"replace method", "${{ parameters.name.replace('-', ' ') }}", "payment service"},
		{"python methods kept", "${{ parameters.name.split('-') | first }}${{ parameters.name.endswith('ice') }}", "paymenttrue"},
		{"for over object", "{% for k, v in parameters.steps2 %}${{ k }}=${{ v }};{% endfor %}", "x=1;y=z;"},
		{"is defined", "${{ parameters.missing is defined }} ${{ parameters.name is defined }}", "false true"},
		{"filter then attribute", "${{ (parameters.repoUrl | parseRepoUrl).owner }}", "acme"},
		{"division", "${{ 7 / 2 }} ${{ 6 / 2 }} ${{ 7 // 2 }} ${{ 7 % 3 }}", "3.5 3 3 1"},
		{"struct by json name", "${{ parameters.entity.metadata.name }}", "web"},
		{"typed containers", map[string]string{"a": "${{ parameters.bare }}"}, map[string]any{"a": "platform"}},
		{"typed slice", []string{"${{ parameters.httpPort }}", "x"}, []any{float64(8080), "x"}},
		{"entity ref object", "${{ {'name': 'web', 'kind': 'Component'} | parseEntityRef }}", map[string]any{"kind": "Component", "namespace": "default", "name": "web"}},
		{"raw", "{% raw %}${{ parameters.name }}{% endraw %}", "${{ parameters.name }}"},
		{"set", "{% set slug = parameters.bare ~ '-' ~ parameters.name %}${{ slug | upper }}", "PLATFORM-PAYMENT-SERVICE"},
		{"macro", "{% macro tag(x) %}<${{ x }}>{% endmacro %}${{ tag(parameters.bare) }}", "<platform>"},
		{"comment", "a{# hidden #}b", "ab"},
		{"whitespace control", "{%- if true -%}  x  {%- endif -%}", "x"},
		{"dict literal", "${{ {'a': parameters.httpPort, 'b': [1, 'two']} }}", map[string]any{"a": float64(8080), "b": []any{1, "two"}}},
		{"list literal", "${{ [parameters.bare, parameters.enableKafka] }}", []any{"platform", true}},
		{"entity ref of user", "${{ user.ref | parseEntityRef | pick('kind') }}", "user"},
		{"dump indent", "${{ {'a': 1} | dump(2) }}x", "{\n  \"a\": 1\n}x"},
		{"dump bool number list", "${{ [true, 1.5, 2, none] | dump }}x", "[true,1.5,2,null]x"},
		{"string methods", "${{ parameters.name.upper().lower() }}", "payment-service"},
		{"urlencode object", "${{ {'q': 'a b', 'x': '&'} | urlencode }}", "q=a%20b&x=%26"},
		{"split", "${{ parameters.name.split('-') | last }}", "service"},
		{"wordcount truncate", "${{ 'one two three' | wordcount }}", 3},
		{"selectattr", "${{ [{'n': 'a', 'on': true}, {'n': 'b', 'on': false}] | selectattr('on') | map(attribute='n') | join(',') }}", "a"},
		{"urlencode", "${{ 'a b&c' | urlencode }}", "a%20b%26c"},
		{"indent", "${{ 'a\nb' | indent(2) }}x", "a\n  bx"},
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

// TestErrorsHideSecrets: gonja quotes values in errors; secrets must not
// reach task logs through them.
func TestErrorsHideSecrets(t *testing.T) {
	for _, in := range []string{"${{ secrets.token.foo() }}", "x ${{ secrets.token | parseRepoUrl }}", "{% if secrets.token.bad() %}{% endif %}"} {
		_, err := render.Value(map[string]any{"in": in}, scope())
		if err == nil {
			t.Fatalf("Value(%q) succeeded, want an error", in)
		}
		if strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "***") {
			t.Errorf("Value(%q) error %q shows the secret", in, err)
		}
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
		{map[string]any{}, true}, {json.Number("0"), false}, {json.Number("2"), true},
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

func TestWhitespaceOptions(t *testing.T) {
	src := t.TempDir()
	write(t, src, "f.txt", "a\n    {% if values.on %}\n    b\n    {% endif %}\nc\n")
	tests := []struct {
		trim, lstrip bool
		want         string
	}{
		{false, false, "a\n    \n    b\n    \nc\n"},
		{true, false, "a\n        b\n    c\n"},
		{true, true, "a\n    b\nc\n"},
	}
	for _, tc := range tests {
		dst := t.TempDir()
		if _, err := render.Tree(os.DirFS(src), dst, render.TreeOptions{Values: map[string]any{"on": true}, TrimBlocks: tc.trim, LstripBlocks: tc.lstrip}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(dst, "f.txt"))
		if string(got) != tc.want {
			t.Errorf("trimBlocks=%v lstripBlocks=%v: %q, want %q", tc.trim, tc.lstrip, got, tc.want)
		}
	}
}

// TestConcurrent renders from many goroutines: the shared environment must
// hold no per-render state (run with -race).
func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := scope()
			s["parameters"].(map[string]any)["name"] = fmt.Sprintf("svc-%d", i)
			got, err := render.Value(map[string]any{"n": "${{ parameters.name | upper }}", "p": "${{ parameters.httpPort }}"}, s)
			if err != nil {
				errs <- err
				return
			}
			if want := fmt.Sprintf("SVC-%d", i); got.(map[string]any)["n"] != want {
				errs <- fmt.Errorf("got %v, want %s", got, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
