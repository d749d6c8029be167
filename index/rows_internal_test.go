package index

import (
	"strings"
	"testing"
)

// The walker lowercases ASCII in a scratch buffer; it must give what
// strings.ToLower gives, for every value, and each result must survive
// the calls after it until the walker's rows are resolved.
func TestWalkerLowerMatchesToLower(t *testing.T) {
	w := &walker{}
	values := []string{"", "abc", "ABC", "Payment-Service", "group:default/Team-A", "ÄÖÜ straße", "İstanbul", "a\x00B", "MIXED case 123 @[`{"}
	var got []string
	for _, v := range values {
		got = append(got, w.lower(v))
	}
	for i, v := range values {
		if want := strings.ToLower(v); got[i] != want {
			t.Errorf("lower(%q) = %q, want %q", v, got[i], want)
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
		w.low = w.low[:0] // as resolve does
	})
}
