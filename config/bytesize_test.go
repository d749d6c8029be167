package config_test

import (
	"testing"

	"callboard/config"
)

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want config.ByteSize
		err  string // "" for success
	}{
		{in: "8388608", want: 8 << 20},
		{in: "8MiB", want: 8 << 20},
		{in: "8 MiB", want: 8 << 20},
		{in: "512kib", want: 512 << 10},
		{in: "1.5GiB", want: 3 << 29},
		{in: "8MB", want: 8_000_000},
		{in: "100B", want: 100},
		{in: "8 megs", err: `unknown size unit "megs" in "8 megs"; use B, KiB, MiB, GiB, KB, MB or GB`},
		{in: "-1", err: `cannot read "-1" as a size; want bytes (8388608) or a number and a unit: "8MiB", "512KiB", "8MB"`},
		{in: "99999999999GiB", err: `size "99999999999GiB" is too large`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := config.ParseByteSize(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("= %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	if got := config.ByteSize(8 << 20).String(); got != "8MiB" {
		t.Errorf("String() = %q, want 8MiB", got)
	}
}
