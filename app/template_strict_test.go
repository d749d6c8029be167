package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard/internal/githubfake"
)

// dryRunCLI runs `callboard template dry-run` with args and returns the
// exit code main would give and what it printed (main prints an error
// other than errSilent on stderr).
func dryRunCLI(t *testing.T, getenv func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), append([]string{"template", "dry-run"}, args...), getenv, &out, &errOut)
	if err != nil {
		code = 1
		if err != errSilent {
			fmt.Fprintln(&errOut, err)
		}
	}
	return code, out.String(), errOut.String()
}

// writeTemplate writes template.yaml with steps and output (YAML, indented
// for spec) and the given skeleton files, and returns its path.
func writeTemplate(t *testing.T, steps, output string, skeleton map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range skeleton {
		p = filepath.Join(dir, "skeleton", p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	yaml := `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: strict}
spec:
  owner: group:default/platform
  type: service
  parameters:
    - properties:
        name: {type: string, default: pay-svc}
        docs: {type: boolean, default: false}
  steps:
` + steps
	if output != "" {
		yaml += "  output:\n" + output
	}
	file := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

const fetchStep = `    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values: {name: '${{ parameters.name }}'}
`

// TestDryRunUnregisteredActionFails: a typo in an action ID fails the run
// with Backstage's words, before any step runs; an action the binary has
// but no config enables (publish:github) is skipped, not an error.
func TestDryRunUnregisteredActionFails(t *testing.T) {
	tpl := writeTemplate(t, fetchStep+`    - id: publish
      action: publish:gihtub
      input: {repoUrl: 'github.com?owner=acme&repo=x'}
`, "", map[string]string{"README.md": "# ${{ values.name }}\n"})
	code, stdout, stderr := dryRunCLI(t, os.Getenv, tpl)
	if code != 1 || !strings.Contains(stderr, "dry run failed: Template action with ID 'publish:gihtub' is not registered. (step publish)") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("a failed run printed a plan:\n%s", stdout)
	}

	tpl = writeTemplate(t, fetchStep+`    - id: publish
      action: publish:github
      input: {repoUrl: 'github.com?owner=acme&repo=${{ parameters.name }}', description: 'Payments & refunds'}
`, "", map[string]string{"README.md": "# ${{ values.name }}\n"})
	code, stdout, stderr = dryRunCLI(t, os.Getenv, tpl)
	if code != 0 || !strings.Contains(stdout, "2. publish (publish:github) [skipped]") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	// Log lines show & as it is, not JSON's \u0026.
	if !strings.Contains(stdout, `"repoUrl":"github.com?owner=acme&repo=pay-svc"`) || !strings.Contains(stdout, "Payments & refunds") ||
		strings.Contains(stdout, `\u0026`) {
		t.Errorf("log escapes &:\n%s", stdout)
	}
}

// TestDryRunChecksSkippedInputs: publish:github:pull-request does not run
// in a dry run, but its input is checked against its schema: autoMerge,
// which Backstage's action does not take either, fails the run.
func TestDryRunChecksSkippedInputs(t *testing.T) {
	pr := `    - id: pr
      action: publish:github:pull-request
      input:
        repoUrl: github.com?owner=acme&repo=deploys
        branchName: add-${{ parameters.name }}
        title: Add ${{ parameters.name }}
        description: New service
`
	tpl := writeTemplate(t, fetchStep+pr+"        autoMerge: true\n", "", map[string]string{"README.md": "x\n"})
	code, _, stderr := dryRunCLI(t, os.Getenv, tpl)
	if code != 1 || !strings.Contains(stderr, "dry run failed: step pr failed: publish:github:pull-request: input.autoMerge is not an input of this action") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	// A wrong type is caught too.
	tpl = writeTemplate(t, fetchStep+pr+"        draft: 'yes'\n", "", map[string]string{"README.md": "x\n"})
	if code, _, stderr = dryRunCLI(t, os.Getenv, tpl); code != 1 || !strings.Contains(stderr, "input.draft must be a boolean, not a string") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	tpl = writeTemplate(t, fetchStep+pr+"        draft: true\n", "", map[string]string{"README.md": "x\n"})
	if code, stdout, stderr := dryRunCLI(t, os.Getenv, tpl); code != 0 || !strings.Contains(stdout, "2. pr (publish:github:pull-request) [skipped]") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	// A skipped step whose each reads a skipped step's output cannot be
	// rendered as the real run would: it is skipped unchecked, not failed.
	tpl = writeTemplate(t, fetchStep+pr+`    - id: dispatch
      action: github:actions:dispatch
      each: ${{ steps.pr.output.repos }}
      input: {repoUrl: '${{ each.value }}', workflowId: ci.yml, branchOrTagName: main}
`, "", map[string]string{"README.md": "x\n"})
	if code, stdout, stderr := dryRunCLI(t, os.Getenv, tpl); code != 0 || !strings.Contains(stdout, "its input is not checked, as its `each` did not give a list here") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
}

// TestDryRunOutputIf: output links and text whose `if` is false are
// dropped; the others lose the `if` key.
func TestDryRunOutputIf(t *testing.T) {
	tpl := writeTemplate(t, fetchStep, `    links:
      - title: Repository
        url: https://example.com/${{ parameters.name }}
      - title: Docs
        if: ${{ parameters.docs }}
        url: https://docs.example.com/${{ parameters.name }}
    text:
      - title: Kept
        if: ${{ not parameters.docs }}
        content: no docs for ${{ parameters.name }}
      - title: Dropped
        if: ${{ parameters.docs }}
        content: docs
`, map[string]string{"README.md": "x\n"})
	code, stdout, stderr := dryRunCLI(t, os.Getenv, tpl)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if strings.Contains(stdout, "docs.example.com") || strings.Contains(stdout, "Dropped") || strings.Contains(stdout, "if:") {
		t.Errorf("false items or if keys shown:\n%s", stdout)
	}
	if !strings.Contains(stdout, "url: https://example.com/pay-svc") || !strings.Contains(stdout, "content: no docs for pay-svc") {
		t.Errorf("true items missing:\n%s", stdout)
	}
}

// TestDryRunCopyWithoutRender: Backstage's scaffolder 4.3 removed
// copyWithoutRender, so the files it lists are rendered, with a warning
// pointing at copyWithoutTemplating.
func TestDryRunCopyWithoutRender(t *testing.T) {
	tpl := writeTemplate(t, `    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values: {name: '${{ parameters.name }}'}
        copyWithoutRender: [README.md]
`, "", map[string]string{"README.md": "# ${{ values.name }}\n"})
	code, stdout, stderr := dryRunCLI(t, os.Getenv, tpl)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "=== README.md (10 bytes)\n# pay-svc\n") {
		t.Errorf("README.md not rendered:\n%s", stdout)
	}
	if !strings.Contains(stdout, "[fetch] Warning: copyWithoutRender was removed in Backstage's scaffolder 4.3 and is ignored, so the files it lists (README.md) are rendered; use copyWithoutTemplating") {
		t.Errorf("no warning:\n%s", stdout)
	}
}

// TestDryRunFailureWritesNoFiles: a run whose later step fails leaves
// --output as it was, though the first step rendered files.
func TestDryRunFailureWritesNoFiles(t *testing.T) {
	tpl := writeTemplate(t, fetchStep+`    - id: rename
      action: fs:rename
      input:
        files: [{from: missing.txt, to: other.txt}]
`, "", map[string]string{"README.md": "# ${{ values.name }}\n", "src/main.go": "package main\n"})
	out := t.TempDir()
	code, stdout, stderr := dryRunCLI(t, os.Getenv, tpl, "--output", out)
	if code != 1 || !strings.Contains(stderr, "dry run failed: step rename failed") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("--output holds %d entries after a failed run", len(entries))
	}
	// The same template without the failing step writes both files.
	tpl = writeTemplate(t, fetchStep, "", map[string]string{"README.md": "# ${{ values.name }}\n", "src/main.go": "package main\n"})
	if code, _, stderr := dryRunCLI(t, os.Getenv, tpl, "--output", out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(out, "README.md")); err != nil || string(b) != "# pay-svc\n" {
		t.Errorf("README.md = %q, %v", b, err)
	}
}

// TestDryRunConfigReadsGitHubSkeleton: with --config, a skeleton in a
// private GitHub repository is read with integrations.github's token;
// without it the run fails naming what is missing.
func TestDryRunConfigReadsGitHubSkeleton(t *testing.T) {
	gh := githubfake.NewServer(t)
	gh.AddRepo("acme", "templates", map[string]string{
		"skeleton/README.md":     "# ${{ values.name }}\n",
		"skeleton/bin/run.sh":    "echo ${{ values.name }}\n",
		"other/ignored.txt":      "not fetched\n",
		"skeleton/docs/index.md": "Docs of ${{ values.name }} & co\n",
	}, githubfake.RepoOptions{Visibility: "private"})
	url := fmt.Sprintf("http://%s/acme/templates/tree/main/skeleton", gh.Host())
	tpl := writeTemplate(t, `    - id: fetch
      action: fetch:template
      input:
        url: `+url+`
        values: {name: '${{ parameters.name }}'}
`, "", nil)
	cfg := filepath.Join(t.TempDir(), "app-config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("integrations:\n  github:\n    - host: %s\n      apiBaseUrl: %s\n      token: ${GH_TOKEN}\n", gh.Host(), gh.URL)), 0o600)
	getenv := func(k string) string {
		if k == "GH_TOKEN" {
			return githubfake.Token
		}
		return ""
	}
	code, stdout, stderr := dryRunCLI(t, getenv, tpl, "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"Files (3):", "=== README.md", "# pay-svc", "=== docs/index.md", "Docs of pay-svc & co", "=== bin/run.sh"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "ignored.txt") || strings.Contains(stdout, githubfake.Token) {
		t.Errorf("output holds another directory's file or the token:\n%s", stdout)
	}

	code, _, stderr = dryRunCLI(t, getenv, tpl)
	if code != 1 || !strings.Contains(stderr, "step fetch failed: cannot read the directory "+url+": only hosts with an integration (integrations.github) serve directories") {
		t.Fatalf("without --config: exit %d:\n%s", code, stderr)
	}
}
