package scaffold

import (
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"callboard"
)

// DebugLogInput is debug:log's input.
type DebugLogInput struct {
	Message string `json:"message" description:"Message to output."`
	// ListWorkspace is true, "with-filenames" or "with-contents".
	ListWorkspace any `json:"listWorkspace" description:"List all files in the workspace: true or with-filenames for names, with-contents for names and contents"`
	Extra         any `json:"extra" description:"Extra info"`
}

// DebugWaitInput is debug:wait's input.
type DebugWaitInput struct {
	Minutes      float64 `json:"minutes" description:"Waiting period in minutes."`
	Seconds      float64 `json:"seconds" description:"Waiting period in seconds."`
	Milliseconds float64 `json:"milliseconds" description:"Waiting period in milliseconds."`
}

// maxWait is debug:wait's ceiling, as in Backstage.
const maxWait = 10 * time.Minute

func debugLog(sc callboard.StepContext, in DebugLogInput) error {
	if in.Message != "" {
		sc.Logf("%s", in.Message)
	}
	if in.Extra != nil {
		sc.Logf("Extra: %s", jsonString(in.Extra))
	}
	mode, _ := in.ListWorkspace.(string)
	if b, _ := in.ListWorkspace.(bool); b {
		mode = "with-filenames"
	}
	if mode != "with-filenames" && mode != "with-contents" {
		return nil
	}
	root := sc.Workspace()
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if mode == "with-contents" && d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sc.Logf("%s:\n%s", filepath.ToSlash(rel), b)
			return nil
		}
		sc.Logf("%s", filepath.ToSlash(rel))
		return nil
	})
}

func debugWait(sc callboard.StepContext, in DebugWaitInput) error {
	d := time.Duration(in.Minutes*float64(time.Minute) + in.Seconds*float64(time.Second) + in.Milliseconds*float64(time.Millisecond))
	if d < 0 || d > maxWait {
		return callboard.Errorf(callboard.Invalid, "debug:wait waits at most %s, not %s", maxWait, d)
	}
	if sc.DryRun() {
		sc.Logf("Would wait %s", d)
		return nil
	}
	sc.Logf("Waiting %s", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-sc.Context().Done():
		return errStopped(sc)
	}
}

func errStopped(sc callboard.StepContext) error {
	return callboard.Wrap(callboard.Conflict, sc.Context().Err(), "stopped while waiting")
}
