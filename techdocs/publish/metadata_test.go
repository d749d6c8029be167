package publish_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard/techdocs/publish"
)

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		wantTS   int64
		wantDesc string
	}{
		{"integer ms", `{"site_name":"a","build_timestamp":1735689600000}`, 1735689600000, ""},
		{"float ms", `{"site_name":"a","build_timestamp":1735689600000.4}`, 1735689600000, ""},
		{"string ms", `{"site_name":"a","build_timestamp":"1735689600000"}`, 1735689600000, ""},
		{"nulls", `{"site_name":"a","site_description":null,"build_timestamp":null,"files":null}`, 0, ""},
		{"no timestamp", `{"site_name":"a","site_description":"d"}`, 0, "d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := publish.ParseMetadata([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if m.BuildTimestamp != tc.wantTS || m.SiteDescription != tc.wantDesc || m.SiteName != "a" {
				t.Errorf("ParseMetadata = %+v", m)
			}
		})
	}
	for _, bad := range []string{`not json`, `[]`, `{"site_name":3}`, `{"build_timestamp":"soon"}`, `{"files":"x"}`} {
		if _, err := publish.ParseMetadata([]byte(bad)); kindOf(err) != "invalid" {
			t.Errorf("ParseMetadata(%s) error = %v, want invalid", bad, err)
		}
	}
}

// TestMetadataRoundTrip checks that keys we do not name survive.
func TestMetadataRoundTrip(t *testing.T) {
	in := `{"build_timestamp":1,"etag":"e","files":["index.html"],"plugin":{"x":[1,2]},"site_description":"d","site_name":"n"}`
	var m publish.Metadata
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, string(out)); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}
