package search_test

import (
	"strings"
	"testing"

	"callboard/search"
)

func TestMark(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		words      []string
		want       string
	}{
		{"word start only", "payments repayment Payment", []string{"pay"}, "[pay]ments repayment [Pay]ment"},
		{"chinese anywhere", "账本服务负责结算", []string{"结算", "账本"}, "[账本]服务负责[结算]"},
		{"overlapping pairs merge", "支付服务", []string{"支付", "付服", "服务"}, "[支付服务]"},
		{"nothing", "ledger", []string{"pay"}, "ledger"},
		{"case kept", "Zhang Wei", []string{"zhang", "wei"}, "[Zhang] [Wei]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := search.Mark(tc.text, tc.words, "[", "]"); got != tc.want {
				t.Errorf("Mark(%q, %q) = %q, want %q", tc.text, tc.words, got, tc.want)
			}
		})
	}
}

func TestWindow(t *testing.T) {
	long := strings.Repeat("filler words here ", 40) + "the settlement runs nightly " + strings.Repeat("more text after ", 40)
	got := search.Window(long, []string{"settlement"}, 120)
	if !strings.Contains(got, "settlement") || !strings.HasPrefix(got, "… ") || !strings.HasSuffix(got, " …") || len(got) > 130 {
		t.Errorf("Window = %q", got)
	}
	if got := search.Window("short text", []string{"x"}, 120); got != "short text" {
		t.Errorf("short Window = %q", got)
	}
	zh := strings.Repeat("账本", 200) + "结算"
	if got := search.Window(zh, []string{"结算"}, 60); !strings.Contains(got, "结算") || !strings.HasPrefix(got, "… ") {
		t.Errorf("chinese Window = %q", got)
	}
}
