package onboard

import (
	"context"
	"testing"
	"time"
)

func TestFirstParagraph(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"# Title\n\n[![ci](b)](c)\n<img src=x>\n\nDoes a thing\nwell.\n\nMore.", "Does a thing well."},
		{"```\ncode\n```\nText", "Text"},
		{"Title\n=====\nBody", "Body"},
		{"", ""},
		{string(make([]byte, 0)) + "x" + string(rune(0x4e2d)), "x中"},
	} {
		if got := firstParagraph(tc.in); got != tc.want {
			t.Errorf("firstParagraph(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := ""
	for range 300 {
		long += "é"
	}
	if got := []rune(firstParagraph(long)); len(got) != 200 {
		t.Errorf("long paragraph clipped to %d runes, want 200", len(got))
	}
}

func TestPaceSpacesWrites(t *testing.T) {
	p := newPace(60000, 0) // one a millisecond
	if err := p.wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p.every != time.Millisecond {
		t.Errorf("every = %v, want 1ms", p.every)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	slow := newPace(1, 0)
	_ = slow.wait(ctx) // the first slot is now
	if err := slow.wait(ctx); err == nil {
		t.Error("wait ignored a cancelled context")
	}
	if err := newPace(-1, -1).wait(ctx); err != nil {
		t.Errorf("no pacing: %v", err)
	}
}

func TestPaceHourlyBudget(t *testing.T) {
	p := newPace(-1, 2)
	var told time.Time
	p.notify = func(until time.Time) { told = until }
	for range 2 {
		if err := p.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Error("a third write in the hour did not wait")
	}
	if told.IsZero() {
		t.Error("the long wait was not announced")
	}
	// The refused slot still counts: it is an hour after the first write.
	if got := p.recent[len(p.recent)-1].Sub(p.recent[1]); got < time.Hour-time.Second {
		t.Errorf("third slot %v after the second, want an hour", got)
	}
}
