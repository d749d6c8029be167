// Package machine reads what the benchmarks report about the machine they
// share: the process's CPU time and the load average.
package machine

import (
	"os"
	"strings"
	"syscall"
	"time"
)

// CPUTime returns the user and system CPU time this process has used, or
// 0 where getrusage is unavailable.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// LoadAvg returns the first n of the 1, 5 and 15 minute load averages
// from /proc/loadavg, space-separated, or "" where there is none. A load
// above the CPU count means wall-clock figures include waiting for a CPU.
func LoadAvg(n int) string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < n {
		return ""
	}
	return strings.Join(f[:n], " ")
}
