package quality

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strconv"
	"strings"
	"testing"
	"time"

	"callboard/plugin"
)

// TestDigests groups issues by owning team and sends each by e-mail (to
// the team's address) and to Slack.
func TestDigests(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	r := Analyze([]Stored{
		{Entity: ent("Group", "default", "team-a", map[string]any{"members": []any{"user:default/jane"}}), Refreshed: now},
		{Entity: ent("Component", "default", "a1", map[string]any{"owner": "team-a", "dependsOn": []any{"gone"}}), Orphan: true, Refreshed: now},
		{Entity: ent("Component", "default", "b1", map[string]any{"owner": "team-b"}), Refreshed: now},
		{Entity: ent("Component", "default", "c1", nil), Orphan: true, Refreshed: now},
	}, now, time.Hour)
	ds := Digests(r)
	var teams []string
	for _, d := range ds {
		teams = append(teams, d.Team+":"+strconv.Itoa(len(d.Issues)))
	}
	if got := strings.Join(teams, " "); got != ":1 group:default/team-a:2 group:default/team-b:1" {
		t.Fatalf("digests = %q", got)
	}
	a := ds[1]
	if a.Counts[SourceOrphan] != 1 || a.Counts[Dangling] != 1 || !strings.Contains(a.Text("https://portal"), "https://portal/quality/digest?team=group%3Adefault%2Fteam-a") {
		t.Errorf("team-a digest = %+v\n%s", a, a.Text("https://portal"))
	}

	var mails []string
	mail := emailNotifier{cfg: EmailConfig{Host: "smtp.example.com", Port: 587, From: "portal@example.com"},
		send: func(addr string, _ smtp.Auth, from string, to []string, msg []byte) error {
			mails = append(mails, addr+" "+strings.Join(to, ",")+" "+string(msg))
			return nil
		}}
	a.Email = "team-a@example.com"
	if err := mail.Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if err := mail.Notify(t.Context(), ds[2]); err != nil || len(mails) != 1 {
		t.Fatalf("a team without an address is not mailed: %v, %d mails", err, len(mails))
	}
	if !strings.HasPrefix(mails[0], "smtp.example.com:587 team-a@example.com From: portal@example.com") || !strings.Contains(mails[0], "component:default/a1") {
		t.Errorf("mail = %q", mails[0])
	}

	var posted string
	slack := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Text string }
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		posted = body.Text
	}))
	defer slack.Close()
	env := plugin.Env{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), HTTPClient: slack.Client()}
	n, err := newNotifier(DigestConfig{Slack: &SlackConfig{WebhookURL: slack.URL + "/hook"}}, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(posted, "Catalog data quality for group:default/team-a: 2 problems") {
		t.Errorf("slack got %q", posted)
	}
	if _, err := newNotifier(DigestConfig{Slack: &SlackConfig{WebhookURL: "http://hooks.example.com/x"}}, env); err == nil {
		t.Error("an http (not https) webhook accepted")
	}
	if _, err := newNotifier(DigestConfig{Email: &EmailConfig{Host: "smtp.example.com"}}, env); err == nil {
		t.Error("e-mail without from accepted")
	}
}
