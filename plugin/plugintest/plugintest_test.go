package plugintest_test

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/plugintest"
	"callboard/plugin/ui"
)

// greeter greets each component in a card and at POST /api/greeter/greet,
// counts its job's runs and reports its greeting as a fact.
func greeter(runs *int) plugin.Plugin {
	return plugin.Plugin{ID: "greeter", Title: "Greeter", ConfigKey: "greeter",
		Permissions: []callboard.Permission{{Name: "greeter.greeting.create", Action: "create"}},
		Setup: func(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
			cfg := struct {
				Word string `yaml:"word"`
			}{Word: "hello"}
			if err := env.Decode(&cfg); err != nil {
				return nil, err
			}
			return &plugin.Instance{
				Cards: []plugin.Card{{ID: "greeting", Title: "Greeting", Render: func(ctx context.Context, e *callboard.Entity) (template.HTML, error) {
					return ui.Text(cfg.Word + ", " + e.Metadata.Name), nil
				}}},
				Routes: []plugin.Route{{Method: "POST", Path: "/greet", Permission: "greeter.greeting.create",
					Handler: func(w http.ResponseWriter, r *http.Request) error {
						w.WriteHeader(http.StatusCreated)
						return nil
					}}},
				Jobs: []plugin.Job{{Name: "count", Every: time.Hour, Run: func(context.Context) error { *runs++; return nil }}},
				Facts: func(context.Context, *callboard.Entity) ([]callboard.Fact, error) {
					return []callboard.Fact{{Key: "word", Value: cfg.Word}}, nil
				},
			}, nil
		}}
}

const oneComponent = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: checkout}\nspec: {type: service, lifecycle: production, owner: group:default/payments}\n"

func TestPortal(t *testing.T) {
	runs := 0
	portal := plugintest.New(t, greeter(&runs), plugintest.Options{
		Config:  "greeter: {word: hej}\n",
		Catalog: oneComponent,
		Policy:  "rules:\n  - {permission: catalog.entity.read, decision: allow}\n  - {permission: greeter.greeting.create, user: {groups: [payments]}, decision: allow}\n",
	})
	jane, bob := plugintest.User("user:default/jane", "group:default/payments"), plugintest.User("user:default/bob")
	if status, body := portal.Get(t, "/catalog/default/component/checkout", bob); status != 200 || !strings.Contains(body, "hej, checkout") {
		t.Errorf("card: %d", status)
	}
	// Outside dev mode nothing is read anonymously: pages send the caller
	// to sign in.
	if _, body := portal.Get(t, "/catalog/default/component/checkout", callboard.Principal{}); strings.Contains(body, "hej, checkout") {
		t.Errorf("an anonymous caller sees the card")
	}
	if status, _ := portal.Do(t, "POST", "/api/greeter/greet", jane, strings.NewReader("{}")); status != http.StatusCreated {
		t.Errorf("jane greets: %d, want 201", status)
	}
	if status, _ := portal.Do(t, "POST", "/api/greeter/greet", bob, nil); status != http.StatusForbidden {
		t.Errorf("bob greets: %d, want 403", status)
	}
	if events, err := portal.DB.AuditEvents(t.Context(), callboard.AuditFilter{Action: "greeter.greeting.create"}); err != nil || len(events) != 2 {
		t.Errorf("audit: %d events (%v), want 2", len(events), err)
	}
	if facts := portal.Facts(t, "component:default/checkout"); len(facts) != 1 || facts[0].Value != "hej" {
		t.Errorf("facts = %+v", facts)
	}
	if err := portal.RunJob(t, "count"); err != nil || runs != 1 {
		t.Errorf("RunJob: %v, %d runs", err, runs)
	}
}

func TestEnvConfigErrors(t *testing.T) {
	p := greeter(new(int))
	_, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, "greeter:\n  wrod: hej\n"))
	if err == nil || !strings.Contains(err.Error(), "app-config.yaml:2: greeter.wrod") {
		t.Errorf("Enable = %v, want the key's file and line", err)
	}
	if _, err := plugin.Enable(t.Context(), p, plugintest.Env(t, p, "")); err != nil {
		t.Errorf("Enable without a section = %v; the defaults apply", err)
	}
}
