package web_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScaffolderDryRunBaseIsRequestOnly: a caller's Template entity names
// a server directory in managed-by-location; relative fetches must not read
// it, only the request's directoryContents.
func TestScaffolderDryRunBaseIsRequestOnly(t *testing.T) {
	srv := newScaffolderServer(t)
	dir := t.TempDir()
	const secret = "db-password: hunter2"
	if err := os.WriteFile(filepath.Join(dir, "app-config.yaml"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"file:" + dir + "/", "url:file://" + filepath.ToSlash(dir) + "/template.yaml"} {
		for _, step := range []map[string]any{
			{"id": "f", "action": "fetch:plain:file", "input": map[string]any{"url": "./app-config.yaml", "targetPath": "out.yaml"}},
			{"id": "f", "action": "fetch:plain", "input": map[string]any{"url": "./"}},
		} {
			tpl := map[string]any{
				"apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template",
				"metadata": map[string]any{"name": "evil", "annotations": map[string]any{
					"backstage.io/managed-by-location": loc, "backstage.io/managed-by-origin-location": loc}},
				"spec": map[string]any{"owner": "group:default/a", "type": "service", "steps": []any{step}},
			}
			req := map[string]any{"template": tpl, "values": map[string]any{}}
			resp, body := do(t, srv, "POST", "/api/scaffolder/v2/dry-run", "t0k", req)
			if strings.Contains(string(body), base64.StdEncoding.EncodeToString([]byte(secret))) || strings.Contains(string(body), "hunter2") {
				t.Fatalf("%s %s: dry-run returned the server file: %d %s", loc, step["action"], resp.StatusCode, body)
			}
			// With directoryContents, ./ finds exactly those files.
			req["directoryContents"] = []map[string]any{{"path": "app-config.yaml", "base64Content": base64.StdEncoding.EncodeToString([]byte("mine"))}}
			resp, body = do(t, srv, "POST", "/api/scaffolder/v2/dry-run", "t0k", req)
			var res struct {
				DirectoryContents []struct{ Path, Base64Content string }
				Error             string
			}
			json.Unmarshal(body, &res)
			if resp.StatusCode != http.StatusOK || len(res.DirectoryContents) != 1 || res.Error != "" {
				t.Fatalf("%s %s with directoryContents: %d %s", loc, step["action"], resp.StatusCode, body)
			}
			if b, _ := base64.StdEncoding.DecodeString(res.DirectoryContents[0].Base64Content); string(b) != "mine" {
				t.Errorf("%s %s: fetched %q, want the request's file", loc, step["action"], b)
			}
		}
	}
}

// TestScaffolderDryRunUnknownAction: a step naming an action the server
// does not have answers 404 in Backstage's words, as its registry does.
func TestScaffolderDryRunUnknownAction(t *testing.T) {
	srv := newScaffolderServer(t)
	tpl := map[string]any{
		"apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template",
		"metadata": map[string]any{"name": "typo"},
		"spec": map[string]any{"owner": "group:default/a", "type": "service", "steps": []any{
			map[string]any{"id": "log", "action": "debug:log", "input": map[string]any{"message": "hi"}},
			map[string]any{"id": "pub", "action": "publish:gihtub", "input": map[string]any{}},
		}},
	}
	resp, body := do(t, srv, "POST", "/api/scaffolder/v2/dry-run", "t0k", map[string]any{"template": tpl, "values": map[string]any{}})
	var res struct {
		Error struct{ Name, Message string }
	}
	json.Unmarshal(body, &res)
	if resp.StatusCode != http.StatusNotFound || res.Error.Name != "NotFoundError" ||
		res.Error.Message != "Template action with ID 'publish:gihtub' is not registered. (step pub)" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}
