package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"callboard"
	"callboard/auth/policy"
)

const policyUsage = `Usage:
  callboard policy test POLICY.yaml CASES.yaml   run table tests of decisions
  callboard policy check POLICY.yaml             check a policy file
  callboard policy default [--admin-group REF]... [--dev]
                                                 print the default policy

A cases file lists expected decisions:

  catalog: catalog-info.yaml        # optional; entity refs below are looked up here
  cases:
    - name: jane deletes her team's service
      user: user:default/jane       # omit for an anonymous caller
      groups: [group:default/team-a]
      email: jane@example.com       # optional
      service: false                # true for a machine token (user: external:ci)
      permission: catalog.entity.delete
      entity: component:default/payments   # a ref, or an inline entity
      expect: allow                 # or deny
    - name: bob reads not jane's task
      user: bob
      permission: scaffolder.task.read   # also scaffolder.task.cancel, catalog.location.update
      createdBy: user:default/jane  # who created the task or location ("" for nobody known)
      expect: deny

"policy test" prints one row per case and a summary, and exits 1 when a case
fails. Errors in either file name the file and line.
`

// runPolicy runs the policy commands; extra are the binary's plugin
// permissions, which policies and cases may name.
func runPolicy(_ context.Context, args []string, stdout, stderr io.Writer, extra ...callboard.Permission) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, policyUsage)
		return errSilent
	}
	switch args[0] {
	case "test":
		if len(args) != 3 {
			fmt.Fprint(stderr, policyUsage)
			return errSilent
		}
		return runPolicyTest(args[1], args[2], stdout, extra)
	case "check":
		if len(args) != 2 {
			fmt.Fprint(stderr, policyUsage)
			return errSilent
		}
		pol, err := policy.Load(args[1], extra...)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: ok, %d rules\n", args[1], len(pol.Rules))
		return nil
	case "default":
		fs := flag.NewFlagSet("policy default", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var admins stringList
		fs.Var(&admins, "admin-group", "an admin group ref; repeat for several (default group:default/admins)")
		dev := fs.Bool("dev", false, "the dev-mode policy: anyone may do anything")
		if err := fs.Parse(args[1:]); err != nil {
			return errSilent
		}
		fmt.Fprint(stdout, policy.DefaultYAML(admins, *dev, extra...))
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, policyUsage)
		return nil
	}
	fmt.Fprint(stderr, policyUsage)
	return fmt.Errorf("unknown policy command %q", args[0])
}

// runPolicyTest prints the case table and fails when a case fails.
func runPolicyTest(policyFile, casesFile string, stdout io.Writer, extra []callboard.Permission) error {
	pol, err := policy.Load(policyFile, extra...)
	if err != nil {
		return err
	}
	cases, err := loadCases(casesFile, extra)
	if err != nil {
		return err
	}
	results := runCases(pol, cases)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESULT\tLINE\tCASE\tPERMISSION\tENTITY\tEXPECT\tGOT\tDECIDED BY")
	failed := 0
	for _, r := range results {
		res := "pass"
		if !r.Pass {
			res, failed = "FAIL", failed+1
		}
		entity := r.EntityRef
		if entity == "" {
			entity = "-"
		}
		got, by := word(r.Got.Allow), ruleName(policyFile, r.Got.Rule)
		if r.Err != nil {
			got, by = "error", r.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", res, r.Line, r.Name, r.Permission, entity,
			word(r.Allow), got, by)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d cases: %d passed, %d failed\n", len(results), len(results)-failed, failed)
	if failed > 0 {
		return errSilent
	}
	return nil
}

func word(allow bool) string {
	if allow {
		return "allow"
	}
	return "deny"
}

func ruleName(file string, r *policy.Rule) string {
	switch {
	case r == nil:
		return "no rule matched (deny)"
	case r.Name != "":
		return fmt.Sprintf("%s (%s:%d)", r.Name, file, r.Line)
	}
	return fmt.Sprintf("%s:%d", file, r.Line)
}
