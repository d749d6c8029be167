package onboard

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// NewProgress returns an Options.Progress that draws a bar on w (redrawn
// in place with \r) when w is a terminal, and otherwise writes one plain
// line per repository, which logs and CI read better.
func NewProgress(w io.Writer, terminal bool) func(done, total int, r Result) {
	start := time.Now()
	return func(done, total int, r Result) {
		if !terminal {
			fmt.Fprintf(w, "onboard: [%d/%d] %s: %s\n", done, total, r.Repo, lineDetail(r))
			return
		}
		const width = 30
		filled := width * done / max(total, 1)
		eta := ""
		if done < total {
			left := time.Since(start) / time.Duration(done) * time.Duration(total-done)
			eta = " eta " + left.Round(time.Second).String()
		}
		name := r.Repo
		if len(name) > 32 {
			name = name[:31] + "…"
		}
		fmt.Fprintf(w, "\r\033[K[%s%s] %d/%d %s%s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, name, eta)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

func lineDetail(r Result) string {
	if r.Detail == "" {
		return string(r.Action)
	}
	return string(r.Action) + " (" + r.Detail + ")"
}
