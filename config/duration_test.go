package config_test

import (
	"testing"
	"time"

	"callboard/config"
)

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		in   any
		want time.Duration
		err  string
	}{
		{name: "minutes object", in: map[string]any{"minutes": 30}, want: 30 * time.Minute},
		{name: "mixed object", in: map[string]any{"hours": 1, "minutes": 5}, want: time.Hour + 5*time.Minute},
		{name: "every unit", in: map[string]any{"years": 1, "months": 1, "weeks": 1, "days": 1, "hours": 1, "minutes": 1, "seconds": 1, "milliseconds": 1},
			want: 365*day + 30*day + 7*day + day + time.Hour + time.Minute + time.Second + time.Millisecond},
		{name: "fractional object", in: map[string]any{"hours": 1.5}, want: 90 * time.Minute},
		{name: "object from env", in: map[string]any{"seconds": "45"}, want: 45 * time.Second},
		{name: "ISO minutes", in: "PT30M", want: 30 * time.Minute},
		{name: "ISO day", in: "P1D", want: day},
		{name: "ISO full", in: "P1DT12H30M5S", want: day + 12*time.Hour + 30*time.Minute + 5*time.Second},
		{name: "ISO weeks", in: "P2W", want: 14 * day},
		{name: "ISO fraction", in: "PT0.5S", want: 500 * time.Millisecond},
		{name: "ISO lower case", in: "pt1h", want: time.Hour},
		{name: "Go", in: "30m", want: 30 * time.Minute},
		{name: "Go compound", in: "1h30m", want: 90 * time.Minute},
		{name: "Go ms", in: "250ms", want: 250 * time.Millisecond},
		{name: "ms days", in: "2 days", want: 2 * day},
		{name: "ms d", in: "2d", want: 2 * day},
		{name: "ms year", in: "1y", want: 365 * day},
		{name: "ms minutes", in: "90 minutes", want: 90 * time.Minute},
		{name: "false disables", in: false, want: 0},
		{name: "time.Duration", in: 5 * time.Second, want: 5 * time.Second},
		{name: "true", in: true, err: "true is not a duration; use false to disable, or {minutes: 30}"},
		{name: "bare number", in: 30, err: `a bare number is not a duration; give a unit: {seconds: 30} or "30s"`},
		{name: "unknown unit", in: map[string]any{"minute": 5}, err: `unknown duration unit "minute"; want years, months, weeks, days, hours, minutes, seconds or milliseconds`},
		{name: "empty object", in: map[string]any{}, err: "empty duration object; want e.g. {minutes: 30}"},
		{name: "negative", in: map[string]any{"minutes": -1}, err: "minutes: must not be negative"},
		{name: "negative Go", in: "-5m", err: `duration "-5m" is negative`},
		{name: "not a number", in: map[string]any{"minutes": "x"}, err: `minutes: want a number, got "x"`},
		{name: "empty ISO", in: "PT", err: `cannot read "PT" as a duration; want {minutes: 30}, PT30M, 30m or "30 minutes"`},
		{name: "garbage", in: "soon", err: `cannot read "soon" as a duration; want {minutes: 30}, PT30M, 30m or "30 minutes"`},
		{name: "null", in: nil, err: "want a duration such as {minutes: 30} or PT30M, got null"},
		{name: "list", in: []any{1}, err: "want a duration such as {minutes: 30} or PT30M, got []interface {}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := config.ParseDuration(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("ParseDuration(%v) error = %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDuration(%v): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseDuration(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestDurationInConfig(t *testing.T) {
	files := map[string]string{"a.yaml": "catalog:\n  processingInterval:\n    hours: 1\n    minutes: 5\nx:\n  every: P1D\n  bad: {minutes: [1]}\n"}
	c := mustLoad(t, nil, files, "a.yaml")
	if got, want := c.Catalog.ProcessingInterval, config.Duration(65*time.Minute); got != want {
		t.Errorf("ProcessingInterval = %v, want %v", got, want)
	}
	var x struct {
		Every config.Duration `yaml:"every"`
	}
	if err := c.Decode("x", &struct {
		Every config.Duration `yaml:"every"`
		Bad   config.Duration `yaml:"bad"`
	}{}); err == nil || err.Error() != "a.yaml:7: x.bad: minutes: want a number, got [1]" {
		t.Errorf("Decode(x) error = %v", err)
	}
	c.Raw["x"].(map[string]any)["bad"] = nil
	delete(c.Raw["x"].(map[string]any), "bad")
	if err := c.Decode("x", &x); err != nil || x.Every != config.Duration(24*time.Hour) {
		t.Errorf("Decode(x) = %v, %v", x.Every, err)
	}
}
