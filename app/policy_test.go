package app

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/config"
	"callboard/store/storetest"
	"callboard/web"
)

const policyTestdata = "testdata/policy/"

func runPolicyCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(t.Context(), append([]string{"policy"}, args...), func(string) string { return "" }, &out, &errb)
	return out.String() + errb.String(), err
}

func TestPolicyTestCommand(t *testing.T) {
	out, err := runPolicyCmd(t, "test", policyTestdata+"policy.yaml", policyTestdata+"cases.good.yaml")
	if err != nil {
		t.Fatalf("good cases: %v\n%s", err, out)
	}
	for _, want := range []string{
		"RESULT  LINE  CASE",
		"pass    9     jane may not delete another team's production service",
		"production is changed by its owners only (testdata/policy/policy.yaml:7)",
		"8 cases: 8 passed, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, err = runPolicyCmd(t, "test", policyTestdata+"policy.yaml", policyTestdata+"cases.fail.yaml")
	if err != errSilent {
		t.Fatalf("failing cases: err %v, want a non-zero exit\n%s", err, out)
	}
	if !strings.Contains(out, "FAIL    9     jane refreshes the ledger") || !strings.Contains(out, "2 cases: 1 passed, 1 failed") {
		t.Errorf("failing cases output:\n%s", out)
	}

	_, err = runPolicyCmd(t, "test", policyTestdata+"policy.yaml", policyTestdata+"cases.bad.yaml")
	for _, want := range []string{
		"testdata/policy/cases.bad.yaml:6: cases[0].entity: component:default/nope is not in the catalog file",
		`testdata/policy/cases.bad.yaml:8: cases[1].permission: "catalog.entity.reed" is not a known permission`,
		`testdata/policy/cases.bad.yaml:8: cases[1].expect: "maybe" is not allow or deny`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad cases error %v lacks %q", err, want)
		}
	}

	bad := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(bad, []byte("rules:\n  - permission: catalog.entity.read\n    decision: allow\n    user: { group: [x] }\n"), 0o644)
	_, err = runPolicyCmd(t, "test", bad, policyTestdata+"cases.good.yaml")
	if err == nil || !strings.Contains(err.Error(), bad+":4: rules[0].user.group: unknown key") {
		t.Errorf("bad policy error = %v", err)
	}
	if _, err := runPolicyCmd(t, "check", bad); err == nil {
		t.Error("policy check passes a bad file")
	}
	if out, err := runPolicyCmd(t, "check", policyTestdata+"policy.yaml"); err != nil || !strings.Contains(out, "ok, 8 rules") {
		t.Errorf("policy check = %q, %v", out, err)
	}
}

func TestPolicyDefaultCommand(t *testing.T) {
	out, err := runPolicyCmd(t, "default", "--admin-group", "group:default/platform")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "default.yaml")
	os.WriteFile(file, []byte(out), 0o644)
	if out, err := runPolicyCmd(t, "check", file); err != nil {
		t.Fatalf("the printed default policy does not check: %v\n%s", err, out)
	}
	if !strings.Contains(out, "groups: [group:default/platform]") {
		t.Errorf("default policy lacks the admin group:\n%s", out)
	}
}

func TestPolicyServeConfig(t *testing.T) {
	dir := t.TempDir()
	polFile := filepath.Join(dir, "policy.yaml")
	os.WriteFile(polFile, []byte("rules:\n  - permission: catalog.location.create\n    decision: allow\n"), 0o644)
	load := func(yaml string) *config.Config {
		t.Helper()
		f := filepath.Join(dir, "app-config.yaml")
		os.WriteFile(f, []byte(yaml), 0o644)
		cfg, err := config.Load([]string{f}, func(string) string { return "" }, os.ReadFile)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	db := storetest.Open(t)
	log := slog.New(slog.DiscardHandler)
	jane := callboard.Principal{Subject: "user:default/jane", Ownership: []string{"user:default/jane"}}

	var opts web.Options
	if _, err := servePermissions(load("permission:\n  enabled: true\n  policyFile: "+polFile+"\n"), &opts, db, log); err != nil {
		t.Fatal(err)
	}
	if ok, _ := opts.Authorizer.Authorize(t.Context(), jane, callboard.PermLocationCreate, nil); !ok || opts.Audit == nil {
		t.Errorf("policy file not in force: %v, audit %v", ok, opts.Audit)
	}

	opts = web.Options{}
	if _, err := servePermissions(load("app: {title: x}\n"), &opts, db, log); err != nil {
		t.Fatal(err)
	}
	if ok, _ := opts.Authorizer.Authorize(t.Context(), callboard.Principal{}, callboard.PermLocationCreate, nil); ok {
		t.Error("default policy lets anonymous callers register locations")
	}

	opts = web.Options{}
	if _, err := servePermissions(load("permission: {enabled: false}\n"), &opts, db, log); err != nil || opts.Authorizer != nil {
		t.Errorf("enabled: false gives %v, %v", opts.Authorizer, err)
	}
	os.WriteFile(polFile, []byte("rules: [\n"), 0o644)
	if _, err := servePermissions(load("permission:\n  policyFile: "+polFile+"\n"), &opts, db, log); err == nil || !strings.Contains(err.Error(), polFile+":1: did not find expected node content") {
		t.Errorf("a bad policy file at startup: %v", err)
	}
}
