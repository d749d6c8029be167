package catalogbench

import (
	"os"
	"strings"
	"syscall"
	"time"
)

// cpuTime returns the user and system CPU time this process has used, or
// 0 where getrusage is unavailable.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg returns the one-minute load average from /proc/loadavg, or "".
// The benchmark shares the machine; a load above the CPU count means the
// wall-clock figures include waiting for a CPU.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
