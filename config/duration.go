package config

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration read from any Backstage duration form (see
// ParseDuration). Use it in a feature's Config struct for schedules and
// intervals.
type Duration time.Duration

// String formats d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts every form ParseDuration does.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	x, err := ParseDuration(v)
	if err != nil {
		var te typeErrors
		if n.Kind == yaml.ScalarNode {
			te.value(n, "%v", err)
		} else {
			te.coll(n, "%v", err)
		}
		return te.err()
	}
	*d = Duration(x)
	return nil
}

// Units of the Backstage duration object ({hours: 1, minutes: 5}), as
// Luxon converts them: a month is 30 days and a year 365.
var durationUnits = map[string]time.Duration{
	"years":        365 * 24 * time.Hour,
	"months":       30 * 24 * time.Hour,
	"weeks":        7 * 24 * time.Hour,
	"days":         24 * time.Hour,
	"hours":        time.Hour,
	"minutes":      time.Minute,
	"seconds":      time.Second,
	"milliseconds": time.Millisecond,
}

var (
	isoDuration = regexp.MustCompile(`^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`)
	isoUnits    = []string{"years", "months", "weeks", "days", "hours", "minutes", "seconds"}
	// The "ms" library's forms, which newer Backstage accepts: "2 days", "1y", "90s".
	msDuration = regexp.MustCompile(`^(\d+(?:\.\d+)?) *(ms|msecs?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|y|yrs?|years?)$`)
)

// ParseDuration reads a duration in any form Backstage config accepts:
//
//	{minutes: 30}, {hours: 1, minutes: 5}   years, months, weeks, days, hours,
//	                                         minutes, seconds, milliseconds
//	PT30M, P1D, P1DT12H                     ISO 8601
//	30m, 1h30m, 250ms                       Go
//	2 days, 1y, 90 seconds                  the "ms" library
//	false                                   disabled: 0
//
// A bare number is rejected: its unit would be a guess. It returns an error
// describing the accepted forms for anything else.
func ParseDuration(v any) (time.Duration, error) {
	switch v := v.(type) {
	case time.Duration:
		return v, nil
	case Duration:
		return time.Duration(v), nil
	case bool:
		if !v {
			return 0, nil
		}
		return 0, fmt.Errorf("true is not a duration; use false to disable, or {minutes: 30}")
	case string:
		return parseDurationString(strings.TrimSpace(v))
	case map[string]any:
		return parseDurationObject(v)
	case int, int64, uint64, float64:
		return 0, fmt.Errorf("a bare number is not a duration; give a unit: {seconds: %v} or \"%vs\"", v, v)
	case nil:
		return 0, fmt.Errorf("want a duration such as {minutes: 30} or PT30M, got null")
	}
	return 0, fmt.Errorf("want a duration such as {minutes: 30} or PT30M, got %T", v)
}

func parseDurationString(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return 0, fmt.Errorf("duration %q is negative", s)
		}
		return d, nil
	}
	if m := isoDuration.FindStringSubmatch(strings.ToUpper(s)); m != nil && strings.ContainsAny(s[1:], "0123456789") {
		var total float64
		for i, unit := range isoUnits {
			if m[i+1] == "" {
				continue
			}
			f, _ := strconv.ParseFloat(strings.Replace(m[i+1], ",", ".", 1), 64)
			total += f * float64(durationUnits[unit])
		}
		return toDuration(total, s)
	}
	if m := msDuration.FindStringSubmatch(strings.ToLower(s)); m != nil {
		f, _ := strconv.ParseFloat(m[1], 64)
		var unit time.Duration
		switch u := m[2]; {
		case strings.HasPrefix(u, "ms") || strings.HasPrefix(u, "milli"):
			unit = time.Millisecond
		case u[0] == 's':
			unit = time.Second
		case u[0] == 'm':
			unit = time.Minute
		case u[0] == 'h':
			unit = time.Hour
		case u[0] == 'd':
			unit = durationUnits["days"]
		case u[0] == 'w':
			unit = durationUnits["weeks"]
		case u[0] == 'y':
			unit = durationUnits["years"]
		}
		return toDuration(f*float64(unit), s)
	}
	return 0, fmt.Errorf("cannot read %q as a duration; want {minutes: 30}, PT30M, 30m or \"30 minutes\"", s)
}

func parseDurationObject(m map[string]any) (time.Duration, error) {
	if len(m) == 0 {
		return 0, fmt.Errorf("empty duration object; want e.g. {minutes: 30}")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var total float64
	for _, k := range keys {
		unit, ok := durationUnits[k]
		if !ok {
			return 0, fmt.Errorf("unknown duration unit %q; want years, months, weeks, days, hours, minutes, seconds or milliseconds", k)
		}
		var f float64
		switch n := m[k].(type) {
		case int:
			f = float64(n)
		case int64:
			f = float64(n)
		case uint64:
			f = float64(n)
		case float64:
			f = n
		case string: // from ${VAR}
			var err error
			if f, err = strconv.ParseFloat(n, 64); err != nil {
				return 0, fmt.Errorf("%s: want a number, got %q", k, n)
			}
		default:
			return 0, fmt.Errorf("%s: want a number, got %v", k, m[k])
		}
		if f < 0 {
			return 0, fmt.Errorf("%s: must not be negative", k)
		}
		total += f * float64(unit)
	}
	return toDuration(total, fmt.Sprint(m))
}

func toDuration(f float64, src string) (time.Duration, error) {
	if f > math.MaxInt64 {
		return 0, fmt.Errorf("duration %s is too long", src)
	}
	return time.Duration(math.Round(f)), nil
}
