package app

import (
	"context"
	"html/template"
	"io"
	"strings"
	"testing"

	"callboard"
	"callboard/plugin"
	"callboard/plugin/ui"
)

// proxyReader is a plugin whose credentials live in Backstage's proxy
// section, as the Grafana plugin's do: its card shows the target it read.
func proxyReader() plugin.Plugin {
	type entry struct {
		Target string `yaml:"target"`
	}
	return plugin.Plugin{
		ID: "proxied", Title: "Proxied", ConfigKey: "proxied",
		Setup: func(ctx context.Context, env plugin.Env) (*plugin.Instance, error) {
			var proxy map[string]entry
			if err := env.ConfigAt("proxy", &proxy); err != nil {
				return nil, err
			}
			target := proxy["/proxied/api"].Target
			render := func(context.Context, *callboard.Entity) (template.HTML, error) {
				return ui.Text("target " + target), nil
			}
			return &plugin.Instance{Cards: []plugin.Card{{ID: "proxied", Title: "Proxied", Render: render}}}, nil
		},
	}
}

func TestPluginReadsAnotherSection(t *testing.T) {
	config := newPluginConfig(t, "proxied: {}\nproxy:\n  /proxied/api: {target: https://grafana.example.com}\n")
	base := startPluginServe(t, config, uptimePlugin(make(chan string, 10)), proxyReader())
	if _, body := getURL(t, base+"/catalog/default/component/svc-a"); !strings.Contains(body, "target https://grafana.example.com") {
		t.Errorf("the card does not show the proxy target it read")
	}
}

func TestPluginOtherSectionErrorsNameFileAndLine(t *testing.T) {
	config := newPluginConfig(t, "proxied: {}\nproxy:\n  /proxied/api: {target: x, hedaers: {}}\n")
	err := runWith(t.Context(), []string{"serve", "--config", config, "--port", "0"}, func(string) string { return "" },
		io.Discard, io.Discard, []plugin.Plugin{uptimePlugin(nil), proxyReader()})
	if want := "app-config.yaml:11: proxy./proxied/api.hedaers"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("serve = %v, want %s", err, want)
	}
}
