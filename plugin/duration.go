package plugin

import (
	"time"

	"callboard"
)

// Duration reads a plugin's duration setting (timeout, cacheTtl) written
// as Go writes durations ("30s", "2m"): "" is def, and a negative or
// unreadable value is an Invalid error naming key (the dotted config key,
// "argocd.timeout").
func Duration(key, s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, callboard.Errorf(callboard.Invalid, "%s: want a duration such as 30s, got %q", key, s)
	}
	return d, nil
}
