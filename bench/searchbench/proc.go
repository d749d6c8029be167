package searchbench

import (
	"time"

	"callboard/bench/internal/machine"
)

// loadAvg returns the 1, 5 and 15 minute load averages, or "?".
func loadAvg() string {
	if s := machine.LoadAvg(3); s != "" {
		return s
	}
	return "?"
}

func cpuTime() time.Duration { return machine.CPUTime() }
