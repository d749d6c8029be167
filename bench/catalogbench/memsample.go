package catalogbench

import (
	"runtime/metrics"
	"time"
)

// A memSplit is where a process's resident memory was when it peaked:
// what the Go runtime holds (heap, stacks, its own structures, less what
// it has returned to the system), the rest of the anonymous memory (SQLite's
// page cache and allocations, outside the Go heap), and file pages (the
// binary's code, mapped files).
type memSplit struct {
	RSS   uint64 `json:"rss"`
	Go    uint64 `json:"go"`
	Other uint64 `json:"other"`
	File  uint64 `json:"file"`
}

// sampleMemory samples the process every 50 ms until the returned func
// is called, which returns the sample with the largest RSS. Sampling
// misses peaks shorter than its period; VmHWM does not.
func sampleMemory() func() memSplit {
	stop, done := make(chan struct{}), make(chan memSplit)
	go func() {
		var peak memSplit
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if s := memNow(); s.RSS > peak.RSS {
				peak = s
			}
			select {
			case <-stop:
				done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() memSplit { close(stop); return <-done }
}

var goMemory = []metrics.Sample{
	{Name: "/memory/classes/total:bytes"},
	{Name: "/memory/classes/heap/released:bytes"},
}

func memNow() memSplit {
	f := procStatusFields("VmRSS", "RssFile", "RssShmem", "RssAnon")
	s := memSplit{RSS: f[0], File: f[1] + f[2]}
	samples := append([]metrics.Sample(nil), goMemory...)
	metrics.Read(samples)
	s.Go = samples[0].Value.Uint64() - samples[1].Value.Uint64()
	if anon := f[3]; anon > s.Go {
		s.Other = anon - s.Go
	}
	return s
}

// String is "Go · other · files" in MB.
func (s memSplit) String() string {
	return megabytes(s.Go) + " · " + megabytes(s.Other) + " · " + megabytes(s.File)
}
