package index

import (
	"strings"
	"testing"
)

// The walker lowercases ASCII in a scratch buffer; it must give what
// strings.ToLower gives, for every value, and each result must survive
// until the next call only.
func TestWalkerLowerMatchesToLower(t *testing.T) {
	w := &walker{}
	for _, v := range []string{"", "abc", "ABC", "Payment-Service", "group:default/Team-A", "ÄÖÜ straße", "İstanbul", "a\x00B", "MIXED case 123 @[`{"} {
		if got, want := w.lower(v), strings.ToLower(v); got != want {
			t.Errorf("lower(%q) = %q, want %q", v, got, want)
		}
	}
}

func FuzzWalkerLower(f *testing.F) {
	f.Add("Payment-Service")
	f.Add("ǅ")
	w := &walker{}
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := w.lower(v), strings.ToLower(v); got != want {
			t.Errorf("lower(%q) = %q, want %q", v, got, want)
		}
	})
}
