package app

import (
	"strings"
	"testing"
)

// TestServeRejectsBadLogLevel: a LOG_LEVEL slog cannot parse stops serve
// with a message naming the variable.
func TestServeRejectsBadLogLevel(t *testing.T) {
	var stdout, stderr syncBuffer
	err := run(t.Context(), []string{"serve", "--port", "0"}, func(k string) string {
		if k == "LOG_LEVEL" {
			return "loud"
		}
		return ""
	}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Fatalf("serve with LOG_LEVEL=loud: %v; want an error naming LOG_LEVEL", err)
	}
}
