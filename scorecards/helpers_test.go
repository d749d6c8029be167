package scorecards_test

import (
	"testing"

	"callboard/plugin"
	"callboard/plugin/plugintest"
)

func enable(t *testing.T, p plugin.Plugin, config string) (plugin.Enabled, error) {
	return plugin.Enable(t.Context(), p, plugintest.Env(t, p, config))
}
