package descriptor_test

import (
	"strings"
	"testing"

	"callboard"
	"callboard/descriptor"
)

// The test vectors of spec section 1a.3, plus edges of each rule.
func TestNames(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) bool
		in    string
		want  bool
	}{
		{"name single char", descriptor.ValidName, "a", true},
		{"name trailing dash", descriptor.ValidName, "a-", false},
		{"name leading dash", descriptor.ValidName, "-a", false},
		{"name mixed", descriptor.ValidName, "a_b.c-D9", true},
		{"name 63 chars", descriptor.ValidName, strings.Repeat("a", 63), true},
		{"name 64 chars", descriptor.ValidName, strings.Repeat("a", 64), false},
		{"name empty", descriptor.ValidName, "", false},
		{"name space", descriptor.ValidName, "my service", false},
		{"namespace uppercase", descriptor.ValidNamespace, "Default", false},
		{"namespace underscore", descriptor.ValidNamespace, "my_ns", false},
		{"namespace dashes", descriptor.ValidNamespace, "my-ns-2", true},
		{"namespace double dash", descriptor.ValidNamespace, "my--ns", false},
		{"key with prefix", descriptor.ValidKey, "example.com/custom", true},
		{"key uppercase prefix", descriptor.ValidKey, "Example.com/x", false},
		{"key two slashes", descriptor.ValidKey, "a/b/c", false},
		{"key no prefix", descriptor.ValidKey, "tier", true},
		{"key empty name", descriptor.ValidKey, "example.com/", false},
		{"label value empty", descriptor.ValidLabelValue, "", true},
		{"label value space", descriptor.ValidLabelValue, "gold tier", false},
		{"kind", descriptor.ValidKind, "Component", true},
		{"kind dash", descriptor.ValidKind, "Web-Site", false},
		{"kind leading digit", descriptor.ValidKind, "9Lives", false},
		{"apiVersion", descriptor.ValidAPIVersion, "backstage.io/v1alpha1", true},
		{"apiVersion bare", descriptor.ValidAPIVersion, "v1", true},
		{"apiVersion extra slash", descriptor.ValidAPIVersion, "backstage.io/v1alpha1/extra", false},
		{"apiVersion uppercase prefix", descriptor.ValidAPIVersion, "Backstage.io/v1", false},
		{"tag", descriptor.ValidTag, "c++", true},
		{"tag hash", descriptor.ValidTag, "c#-dotnet", true},
		{"tag uppercase", descriptor.ValidTag, "Java", false},
		{"tag underscore", descriptor.ValidTag, "big_data", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.check(tc.in); got != tc.want {
				t.Errorf("check(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// ParseRef lives in the root package; these are the spec 1a.4 vectors that
// descriptor relies on for reference fields.
func TestParseRefVectors(t *testing.T) {
	tests := []struct {
		name         string
		in, kind, ns string
		want         string // canonical; "" means an error
	}{
		{name: "full", in: "component:ns/name", want: "component:ns/name"},
		{name: "kind only", in: "Group:team-a", want: "group:default/team-a"},
		{name: "default kind", in: "team-a", kind: "Group", want: "group:default/team-a"},
		{name: "default namespace", in: "team-a", kind: "Group", ns: "dev", want: "group:dev/team-a"},
		{name: "namespace without kind", in: "dev/team-a", kind: "Group", want: "group:dev/team-a"},
		{name: "slash before colon keeps colon in name", in: "ns/a:b", kind: "Component", want: "component:ns/a:b"},
		{name: "canonical is lowercase", in: "Component:Default/MyService", want: "component:default/myservice"},
		{name: "empty name", in: "group:", kind: "Group"},
		{name: "empty namespace", in: "system:/payments"},
		{name: "empty kind", in: ":ns/name", kind: "Group"},
		{name: "no kind and no default", in: "my-service"},
		{name: "empty", in: "", kind: "Group"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := callboard.ParseRef(tc.in, tc.kind, tc.ns)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseRef(%q) = %v, want an error", tc.in, r)
				}
				if k := callboard.ErrorKind(err); k != callboard.Invalid {
					t.Errorf("error kind = %v, want %v", k, callboard.Invalid)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRef(%q): %v", tc.in, err)
			}
			if got := r.String(); got != tc.want {
				t.Errorf("ParseRef(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
