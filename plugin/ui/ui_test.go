package ui_test

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"callboard/plugin/ui"
)

func TestBlocks(t *testing.T) {
	tests := []struct {
		name    string
		got     template.HTML
		want    []string
		notWant []string
	}{
		{"status", ui.Status(ui.Bad, "Breached <now>"),
			[]string{`<span class="status state-bad"><span class="dot" aria-hidden="true"></span>Breached &lt;now&gt;</span>`}, nil},
		{"unknown level is muted", ui.Status("purple", "x"), []string{`class="status state-muted"`}, nil},
		{"key values escape strings, keep blocks", ui.KeyValues(ui.KV{"Objective", "99.9% <b>"}, ui.KV{"State", ui.Status(ui.OK, "met")}),
			[]string{`<table class="kv">`, `<th scope="row">Objective</th><td>99.9% &lt;b&gt;</td>`, `<td><span class="status state-ok">`}, nil},
		{"table", ui.Table([]string{"Name", "Budget"}, [][]any{{"checkout", 0.25}, {ui.Link("/catalog", "all"), "<x>"}}),
			[]string{`<th scope="col">Name</th>`, `<td>checkout</td><td>0.25</td>`, `<td><a href="/catalog">all</a></td><td>&lt;x&gt;</td>`}, nil},
		{"outside link", ui.Link("https://grafana.example.com/d/1?a=b&c=d", "Dashboard"),
			[]string{`href="https://grafana.example.com/d/1?a=b&amp;c=d" rel="noopener">Dashboard</a>`}, nil},
		{"script link is neutralised", ui.Link("javascript:alert(1)", "x"), []string{`href="#ZgotmplZ"`}, []string{"javascript:"}},
		{"empty", ui.Empty("No objectives", "Add the annotation."), []string{`<div class="emptystate">`, "<h3>No objectives</h3>", "<p>Add the annotation.</p>"}, nil},
		{"unavailable", ui.Unavailable("SLOs", "no answer within 3s"), []string{`role="alert"`, "SLOs is unavailable: no answer within 3s"}, nil},
		{"join and text", ui.Join(ui.Text("a < b"), ui.Icon("alert")), []string{`a &lt; b<svg class="i"`, `href="#i-alert"`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.want {
				if !strings.Contains(string(tc.got), w) {
					t.Errorf("got %s\nwant it to contain %s", tc.got, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(string(tc.got), w) {
					t.Errorf("got %s\nwant no %s", tc.got, w)
				}
			}
		})
	}
}

func TestTimeAgo(t *testing.T) {
	tests := []struct {
		name string
		ago  time.Duration
		want string
	}{
		{"seconds", 10 * time.Second, ">just now<"},
		{"one minute", 90 * time.Second, ">1 minute ago<"},
		{"hours", 5*time.Hour + time.Minute, ">5 hours ago<"},
		{"days", 72*time.Hour + time.Minute, ">3 days ago<"},
		{"future", -(2*time.Hour + time.Minute), ">in 2 hours<"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(ui.TimeAgo(time.Now().Add(-tc.ago)))
			if !strings.Contains(got, tc.want) || !strings.Contains(got, `<time datetime="`) {
				t.Errorf("TimeAgo = %s, want %s", got, tc.want)
			}
		})
	}
}
