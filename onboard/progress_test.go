package onboard_test

import (
	"bytes"
	"strings"
	"testing"

	"callboard/onboard"
)

func TestProgress(t *testing.T) {
	var term, plain bytes.Buffer
	bar, lines := onboard.NewProgress(&term, true), onboard.NewProgress(&plain, false)
	for i, r := range []onboard.Result{{Repo: "acme/a", Action: onboard.Opened, Detail: "http://x/pull/1"},
		{Repo: "acme/b", Action: onboard.Failed, Detail: "boom"}} {
		bar(i+1, 2, r)
		lines(i+1, 2, r)
	}
	if want := "onboard: [1/2] acme/a: PR opened (http://x/pull/1)\nonboard: [2/2] acme/b: failed (boom)\n"; plain.String() != want {
		t.Errorf("plain progress = %q, want %q", plain.String(), want)
	}
	out := term.String()
	if !strings.Contains(out, "\r\033[K[###############...............] 1/2 acme/a") ||
		!strings.Contains(out, "[##############################] 2/2 acme/b") || !strings.HasSuffix(out, "\n") {
		t.Errorf("bar = %q", out)
	}
}
