package strarena_test

import (
	"strings"
	"testing"

	"callboard/internal/strarena"
)

// TestArenaStringsStay: strings cut from the arena keep their bytes as
// more are added, across blocks, and long ones get their own.
func TestArenaStringsStay(t *testing.T) {
	var a strarena.Arena
	var got, want []string
	for i := range 20000 {
		s := strings.Repeat(string(rune('a'+i%26)), 1+i%40)
		want = append(want, s+"x")
		switch i % 3 {
		case 0:
			got = append(got, a.Clone(s+"x"))
		case 1:
			got = append(got, a.CloneBytes([]byte(s+"x")))
		default:
			got = append(got, a.Concat(s, "x"))
		}
	}
	long := strings.Repeat("l", strarena.Block)
	got, want = append(got, a.Clone(long)), append(want, long)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("string %d = %q, want %q", i, got[i], want[i])
		}
	}
	if a.Clone("") != "" || a.Concat("", "") != "" || strarena.String(nil) != "" {
		t.Error("empty strings")
	}
}
