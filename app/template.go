package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"callboard"
	"callboard/plugin"
	"callboard/scaffold"
)

const templateUsage = `Usage: callboard template dry-run TEMPLATE.yaml [--values values.yaml] [--output DIR] [--config app-config.yaml]...

Runs a software template without side effects, as POST /api/scaffolder/v2/dry-run
does, strictly enough to serve as the template's CI: the values are checked
against the template's parameters, a step naming an action this binary does
not have fails the run, then every step runs in a temporary workspace
(actions that cannot run without effects, such as publish:github, are
skipped, their rendered input checked against the action's input schema
and shown). --config reads app-config.yaml as serve does: its integrations
(integrations.github with its token) read skeletons hosted on GitHub.
Prints the step plan with each step's rendered input, then the files the
template produces with their contents; --output DIR writes the files there
instead, and only when the run succeeds. Exits 1 naming the fields when
values are invalid, the action when one is not registered, or the step
when one fails.
`

// runTemplate implements "callboard template".
func runTemplate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, extra []plugin.Plugin) error {
	if len(args) == 0 || args[0] != "dry-run" {
		fmt.Fprint(stderr, templateUsage)
		return errSilent
	}
	flags := flag.NewFlagSet("template dry-run", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, templateUsage) }
	valuesFile := flags.String("values", "", "a YAML or JSON file of parameter values")
	output := flags.String("output", "", "write the rendered files under this directory instead of printing them")
	var configs stringList
	flags.Var(&configs, "config", "an app-config.yaml whose integrations read the skeletons (repeatable)")
	// Flags may come before or after the template path.
	var paths []string
	rest := args[1:]
	for len(rest) > 0 {
		if err := flags.Parse(rest); err != nil {
			return errSilent
		}
		rest = flags.Args()
		if len(rest) > 0 {
			paths, rest = append(paths, rest[0]), rest[1:]
		}
	}
	if len(paths) != 1 {
		fmt.Fprint(stderr, templateUsage)
		return errSilent
	}
	t, err := readTemplate(paths[0])
	if err != nil {
		return err
	}
	values := map[string]any{}
	if *valuesFile != "" {
		if err := readYAML(*valuesFile, &values); err != nil {
			return err
		}
	}
	actions, closePlugins, err := dryRunActions(ctx, configs, getenv, extra)
	if err != nil {
		return err
	}
	defer closePlugins()
	res, err := scaffold.DryRun(ctx, actions, t, values, nil, callboard.TaskUser{Ref: "user:development/guest"}, nil)
	var ve *scaffold.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Fprintf(stderr, "%s: values: %s: %s\n", *valuesFile, strings.Join(f.Path, "."), f.Message)
		}
		return errSilent
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: dry run failed: %s\n", paths[0], callboard.ErrorMessage(err))
		return errSilent
	}
	printPlan(stdout, res)
	if res.Error != "" {
		// No files of a failed run reach --output: CI must not pick up
		// half a skeleton.
		if *output == "" {
			if err := emitFiles(stdout, res.DirectoryContents, ""); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "%s: dry run failed: %s\n", paths[0], res.Error)
		return errSilent
	}
	return emitFiles(stdout, res.DirectoryContents, *output)
}

// readTemplate reads a template.yaml; its location is the file, so that
// fetch actions find ./skeleton next to it.
func readTemplate(path string) (*scaffold.Template, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := readYAML(abs, &raw); err != nil {
		return nil, err
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var e callboard.Entity
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("%s: not an entity: %w", path, err)
	}
	e.SetAnnotation(callboard.AnnotationManagedByLocation, "file:"+filepath.ToSlash(abs))
	t, err := scaffold.ParseTemplate(&e)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func readYAML(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// printPlan prints each step with its status and rendered input, then the
// log lines that belong to no step's input.
func printPlan(w io.Writer, res *scaffold.DryRunResult) {
	fmt.Fprintln(w, "Steps:")
	for i, st := range res.Steps {
		status := st.Status
		if status == "" {
			status = "not run"
		}
		fmt.Fprintf(w, "%d. %s (%s) [%s]\n", i+1, st.ID, st.Action, status)
		if st.Name != "" {
			fmt.Fprintf(w, "   name: %s\n", st.Name)
		}
		if len(st.Input) > 0 {
			b, _ := yaml.Marshal(map[string]any{"input": st.Input})
			for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
				fmt.Fprintf(w, "   %s\n", line)
			}
		}
	}
	fmt.Fprintln(w, "\nLog:")
	for _, l := range res.Log {
		prefix := ""
		if l.Body.StepID != "" {
			prefix = "[" + l.Body.StepID + "] "
		}
		fmt.Fprintf(w, "  %s%s\n", prefix, l.Body.Message)
	}
	if len(res.Output) > 0 {
		b, _ := yaml.Marshal(map[string]any{"output": res.Output})
		fmt.Fprintf(w, "\n%s", b)
	}
}

// emitFiles prints the files with their contents, or writes them under
// dir; a write that fails removes the files written before it.
func emitFiles(w io.Writer, files []scaffold.DryRunFile, dir string) (err error) {
	fmt.Fprintf(w, "\nFiles (%d):\n", len(files))
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
		}
	}()
	for _, f := range files {
		data, err := base64.StdEncoding.DecodeString(f.Base64Content)
		if err != nil {
			return err
		}
		if dir != "" {
			p := filepath.Join(dir, filepath.FromSlash(f.Path))
			mode := os.FileMode(0o644)
			if f.Executable {
				mode = 0o755
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, data, mode); err != nil {
				return err
			}
			written = append(written, p)
			fmt.Fprintf(w, "  wrote %s\n", p)
			continue
		}
		fmt.Fprintf(w, "\n=== %s (%d bytes)\n", f.Path, len(data))
		if utf8.Valid(data) {
			fmt.Fprint(w, string(data))
			if len(data) > 0 && data[len(data)-1] != '\n' {
				fmt.Fprintln(w)
			}
		} else {
			fmt.Fprintln(w, "(binary)")
		}
	}
	return nil
}
