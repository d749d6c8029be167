package catalogbench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Targets from DESIGN.md, stated for N = 100,000. WriteSummary checks every
// N against them.
const (
	TargetIngestPerSec = 10_000                // 100,000 entities in under 10 s
	TargetByNameP99    = 2 * time.Millisecond  // by-name p99
	TargetQueryP99     = 10 * time.Millisecond // filtered by-query p99
	TargetFacets       = 20 * time.Millisecond // facets (checked at p99)
	TargetRSS          = 300 << 20             // resident memory
	TargetStartup      = time.Second           // start to first answer
)

// backstage holds the real Backstage figures at N = 10,000 from the issue,
// by row key.
var backstage = map[string]string{
	"queryable":    "367 s",
	"by-name":      "1.5 ms p50, 12 ms p99",
	"kind+type":    "76 ms p50",
	"owner+fields": "132 ms p50",
	"facets":       "69 ms p50",
	"rss":          "371 MB",
}

// queryTitles names the query kinds in the summary.
var queryTitles = map[string]string{
	"by-name":      "by-name (random entity)",
	"kind+type":    "by-query kind+spec.type, limit 100",
	"owner+fields": "by-query ownedBy team + fields",
	"facets":       "facets kind,type,lifecycle,tags",
	"full-text":    "full-text name/title/desc, limit 20",
}

// WriteSummary writes the reports side by side, each figure next to its
// target (✓ met, ✗ missed) and Backstage's figure at N = 10,000.
func WriteSummary(w io.Writer, reports []*Report, concurrency int, perKind time.Duration) {
	if len(reports) == 0 {
		return
	}
	r0 := reports[0]
	fmt.Fprintf(w, "\ncallboard catalog benchmark: %s, %s layout, seed %d, %d clients, %s per query kind, %d CPUs, %s %s/%s\n\n",
		r0.DB, r0.Layout, r0.Seed, concurrency, perKind, r0.CPUs, r0.GoVersion, runtime.GOOS, runtime.GOARCH)
	t := &table{}
	head := []string{""}
	for _, r := range reports {
		head = append(head, "N = "+count(float64(r.N)))
	}
	t.add(append(head, "target", "Backstage @10k")...)
	t.rule()

	t.row(reports, "generate (orggen, not ingest)", "", "", func(r *Report) string {
		if r.Reused {
			return "reused"
		}
		return seconds(r.Generate)
	})
	t.row(reports, "ingest: read→parse→relate→store", "≥ 10,000/s", "", func(r *Report) string {
		return seconds(r.Ingest) + "  " + count(r.IngestPerSec) + "/s" + mark(r.IngestPerSec >= TargetIngestPerSec)
	})
	t.row(reports, "  CPU time · wall in store writes", "", "", func(r *Report) string {
		return seconds(r.IngestCPU) + " · " + seconds(r.IngestStoreWrites)
	})
	t.row(reports, "  bytes read · written (syscalls)", "", "", func(r *Report) string {
		return megabytes(r.IngestRead) + " · " + megabytes(r.IngestWrote)
	})
	t.row(reports, "last entity queryable + relations", "", backstage["queryable"], func(r *Report) string {
		return seconds(r.LastQueryable)
	})
	for i, q := range r0.Queries {
		t.rule()
		target, limit := "", time.Duration(0)
		switch q.Name {
		case "by-name":
			target, limit = "p99 < 2 ms", TargetByNameP99
		case "kind+type", "owner+fields":
			target, limit = "p99 < 10 ms", TargetQueryP99
		case "facets":
			target, limit = "p99 < 20 ms", TargetFacets
		}
		title := queryTitles[q.Name]
		if title == "" {
			title = q.Name
		}
		pick := func(r *Report) *QueryResult {
			if i < len(r.Queries) {
				return &r.Queries[i]
			}
			return &QueryResult{}
		}
		t.row(reports, title, target, backstage[q.Name], func(r *Report) string {
			q := pick(r)
			s := millis(q.P50) + " / " + millis(q.P95) + " / " + millis(q.P99)
			if limit > 0 {
				s += mark(q.P99 < limit && q.Errors == 0)
			}
			return s
		})
		t.row(reports, "  p50 / p95 / p99 ms, 1 client", "", "", func(r *Report) string {
			if s := pick(r).Serial; s != nil {
				return millis(s.P50) + " / " + millis(s.P95) + " / " + millis(s.P99)
			}
			return "–"
		})
		t.row(reports, "  req/s · errors", "0 errors", "", func(r *Report) string {
			q := pick(r)
			return count(q.PerSec) + "/s · " + strconv.Itoa(q.Errors) + " err" + mark(q.Errors == 0 && q.Requests > 0)
		})
	}
	t.rule()
	t.row(reports, "peak RSS (VmHWM)", "< 300 MB", backstage["rss"], func(r *Report) string {
		return megabytes(r.PeakRSS) + mark(r.PeakRSS < TargetRSS)
	})
	t.row(reports, "peak in ingest · in queries", "", "", func(r *Report) string {
		return megabytes(r.PeakRSSIngest) + " · " + megabytes(r.PeakRSSAfter)
	})
	t.row(reports, "  at ingest peak: Go · other · files", "", "", func(r *Report) string {
		return r.SplitIngest.String()
	})
	t.row(reports, "  at query peak: Go · other · files", "", "", func(r *Report) string {
		return r.SplitQueries.String()
	})
	t.row(reports, "RSS after ingest · Go heap after GC", "", "", func(r *Report) string {
		return megabytes(r.RSSAfterIngest) + " · " + megabytes(r.HeapAfterGC)
	})
	t.row(reports, "startup: open+load → 1st answer", "< 1 s", "", func(r *Report) string {
		return millis(r.Startup) + " ms" + mark(r.Startup < TargetStartup)
	})
	t.row(reports, "machine load avg before · after", "", "", func(r *Report) string {
		return r.LoadAvgBefore + " · " + r.LoadAvgAfter
	})
	t.write(w)
	fmt.Fprint(w, `
Latencies are client-side over loopback HTTP with keep-alive (JSON encoding
included), in ms, under the load of all clients at once; the "1 client" row
is the same query with no queueing. Targets (DESIGN.md) are stated for
N = 100,000 and checked at every N; Backstage's figures are for N = 10,000.
A load average above the CPU count means other processes competed for the
CPUs and wall-clock figures are inflated; CPU time is not.
`)
}

// table lays out columns padded to their widest cell.
type table struct{ rows [][]string }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }
func (t *table) rule()               { t.rows = append(t.rows, nil) }

// row adds label, one cell per report, target and reference.
func (t *table) row(reports []*Report, label, target, ref string, cell func(*Report) string) {
	cells := []string{label}
	for _, r := range reports {
		cells = append(cells, cell(r))
	}
	t.add(append(cells, target, ref)...)
}

func (t *table) write(w io.Writer) {
	var width []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	total := 0
	for _, x := range width {
		total += x + 3
	}
	for _, r := range t.rows {
		if r == nil {
			fmt.Fprintln(w, strings.Repeat("─", total-3))
			continue
		}
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+3))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
	}
}

func mark(ok bool) string {
	if ok {
		return " ✓"
	}
	return " ✗"
}

// seconds formats d as "1.23 s".
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s" }

// millis formats d in milliseconds with two or three significant digits.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64)
	case ms < 100:
		return strconv.FormatFloat(ms, 'f', 1, 64)
	}
	return strconv.FormatFloat(ms, 'f', 0, 64)
}

// count formats x rounded, with thousands separators.
func count(x float64) string {
	s := strconv.FormatInt(int64(x+0.5), 10)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

func megabytes(n uint64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 0, 64) + " MB"
}

// procIO returns a field of /proc/self/io, or 0.
func procIO(key string) uint64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && k == key {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// procStatus returns a "kB" field of /proc/self/status in bytes, or 0 where
// there is no such file.
func procStatus(key string) uint64 { return procStatusFields(key)[0] }

// procStatusFields returns the "kB" fields keys of /proc/self/status in
// bytes, read at one instant (0 for a missing one).
func procStatusFields(keys ...string) []uint64 {
	out := make([]uint64, len(keys))
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return out
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if i := slices.Index(keys, k); ok && i >= 0 {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			out[i] = n << 10
		}
	}
	return out
}

// resetPeakRSS resets the process's VmHWM to its current RSS (Linux 4.0
// and later), so that the next phase's peak can be read on its own.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
