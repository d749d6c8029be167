package apidoc

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct{ typ, def, want string }{
		{"openapi", "openapi: 3.0.0\ninfo: {title: A, version: '1'}\npaths: {}\n", ""},
		{"openapi", "openapi: [\n", "could not be read"},
		{"openapi", "info: {title: A}\n", `has no "openapi" field`},
		{"asyncapi", "asyncapi: 2.6.0\nchannels: {}\n", ""},
		{"graphql", "type Query { a: Int }", ""},
		{"grpc", "  ", "no definition"},
	}
	for _, tc := range tests {
		err := Check(tc.typ, tc.def)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%s, %q) = %v, want %q", tc.typ, tc.def, err, tc.want)
		}
	}
}
