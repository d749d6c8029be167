package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard/internal/compattest"
)

// TestTemplateDryRun runs the brief's create-go-service template from
// shared/compat: the plan shows each step's rendered input, the files are
// printed, publish:github (known, its plugin not configured here) is skipped
// with its input checked and shown.
func TestTemplateDryRun(t *testing.T) {
	tpl := filepath.Join(compattest.Dir(t, "templates", "create-go-service"), "template.yaml")
	values := filepath.Join(t.TempDir(), "values.yaml")
	os.WriteFile(values, []byte("name: payment-gateway\ndescription: 支付网关\nowner: group:default/payments-team\nhttpPort: 9090\nenableKafka: true\ndeployEnvs: [dev, production]\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"template", "dry-run", tpl, "--values", values}, os.Getenv, &stdout, &stderr); err != nil {
		t.Fatalf("dry-run: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"1. fetch-base (fetch:template) [completed]",
		"           httpPort: 9090",
		"2. publish (publish:github) [skipped]",
		"       repoUrl: github.com?owner=my-github-org&repo=payment-gateway",
		"           deploy_envs: dev,production",
		"=== catalog-info.yaml",
		"  name: payment-gateway",
		"=== k8s/deployment.yaml",
		"            - containerPort: 9090",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// --output writes the files instead.
	dir := t.TempDir()
	stdout.Reset()
	if err := run(t.Context(), []string{"template", "dry-run", "--values", values, "--output", dir, tpl}, os.Getenv, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err != nil || !strings.Contains(string(b), "kafka-go") {
		t.Errorf("go.mod = %q, %v; want the Kafka dependency", b, err)
	}
	if strings.Contains(stdout.String(), "module github.com") {
		t.Errorf("--output printed the contents")
	}
}

// TestTemplateDryRunInvalidValues names each bad field and fails.
func TestTemplateDryRunInvalidValues(t *testing.T) {
	tpl := filepath.Join(compattest.Dir(t, "templates", "create-go-service"), "template.yaml")
	values := filepath.Join(t.TempDir(), "values.yaml")
	os.WriteFile(values, []byte("name: Payment_Gateway\nowner: group:default/x\nhttpPort: eighty\n"), 0o644)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"template", "dry-run", tpl, "--values", values}, os.Getenv, &stdout, &stderr)
	if err == nil {
		t.Fatal("dry-run with invalid values succeeded")
	}
	for _, field := range []string{"values: name:", "values: description: is required", "values: httpPort:"} {
		if !strings.Contains(stderr.String(), field) {
			t.Errorf("stderr lacks %q:\n%s", field, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("a plan was printed for invalid values:\n%s", stdout.String())
	}
}
