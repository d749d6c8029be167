package render_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard/internal/compattest"
	"callboard/scaffold/render"

	"gopkg.in/yaml.v3"
)

type compatTemplate struct {
	Spec struct {
		Steps []struct {
			ID     string         `yaml:"id"`
			Action string         `yaml:"action"`
			If     any            `yaml:"if"`
			Input  map[string]any `yaml:"input"`
		} `yaml:"steps"`
		Output map[string]any `yaml:"output"`
	} `yaml:"spec"`
}

func compatScope() map[string]any {
	return map[string]any{
		"parameters": map[string]any{
			"name": "payment-service", "component_id": "payment-service", "description": "Takes payments: <fast> & safe",
			"owner": "group:default/platform-team", "java_package_name": "io.acme.payments",
			"repoUrl": "github.com?owner=acme&repo=payment-service", "repoOrg": "acme", "repoVisibility": "private",
			"httpPort": 8080.0, "enableKafka": true, "enablePostgres": true, "deployEnvs": []any{"dev", "staging"},
		},
		"steps": map[string]any{
			"publish":  map[string]any{"output": map[string]any{"remoteUrl": "https://github.com/acme/payment-service", "repoContentsUrl": "https://github.com/acme/payment-service/blob/main"}},
			"register": map[string]any{"output": map[string]any{"entityRef": "component:default/payment-service"}},
		},
		"user": map[string]any{"ref": "user:default/ada"},
	}
}

// TestCompatTemplates renders every compat template as the runner would:
// each step's input, the output, and each fetch:template skeleton.
func TestCompatTemplates(t *testing.T) {
	dir := compattest.Dir(t, "templates")
	files, err := filepath.Glob(filepath.Join(dir, "*", "template.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates under %s (%v)", dir, err)
	}
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file))
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var tmpl compatTemplate
			if err := yaml.Unmarshal(b, &tmpl); err != nil {
				t.Fatal(err)
			}
			scope := compatScope()
			fetched := 0
			for _, st := range tmpl.Spec.Steps {
				in, err := render.Value(st.Input, scope)
				if err != nil {
					t.Fatalf("step %s input: %v", st.ID, err)
				}
				input := in.(map[string]any)
				if st.Action != "fetch:template" {
					continue
				}
				fetched++
				renderSkeleton(t, filepath.Dir(file), input)
			}
			if fetched == 0 {
				t.Error("no fetch:template step")
			}
			out, err := render.Value(tmpl.Spec.Output, scope)
			if err != nil {
				t.Fatalf("output: %v", err)
			}
			links, _ := out.(map[string]any)["links"].([]any)
			for _, l := range links {
				link := l.(map[string]any)
				if link["url"] == nil && link["entityRef"] == nil {
					t.Errorf("output link %v has neither url nor entityRef", link)
				}
			}
		})
	}
}

func renderSkeleton(t *testing.T, base string, input map[string]any) {
	t.Helper()
	values, _ := input["values"].(map[string]any)
	opts := render.TreeOptions{Values: values}
	opts.CopyWithoutTemplating = stringList(input["copyWithoutTemplating"])
	src := filepath.Join(base, input["url"].(string))
	dst := t.TempDir()
	written, err := render.Tree(os.DirFS(src), dst, opts)
	if err != nil {
		t.Fatalf("Tree(%s): %v", src, err)
	}
	if len(written) == 0 {
		t.Fatal("Tree wrote nothing")
	}
	for _, w := range written {
		b, err := os.ReadFile(filepath.Join(dst, w))
		if err != nil {
			t.Fatal(err)
		}
		if s := string(b); containsAny(s, "${{", "{%", "%}") {
			t.Errorf("%s still holds template syntax:\n%s", w, s)
		}
	}
	// The catalog file must come out as YAML naming the new component.
	b, err := os.ReadFile(filepath.Join(dst, "catalog-info.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var entity struct {
		Metadata struct {
			Name        string            `yaml:"name"`
			Description string            `yaml:"description"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Spec struct {
			Owner string `yaml:"owner"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &entity); err != nil {
		t.Fatalf("catalog-info.yaml is not YAML: %v\n%s", err, b)
	}
	if entity.Metadata.Name != "payment-service" || entity.Spec.Owner != "group:default/platform-team" {
		t.Errorf("catalog-info.yaml name/owner = %q/%q:\n%s", entity.Metadata.Name, entity.Spec.Owner, b)
	}
	if entity.Metadata.Description != "Takes payments: <fast> & safe" {
		t.Errorf("description = %q, want it unescaped:\n%s", entity.Metadata.Description, b)
	}
	if slug := entity.Metadata.Annotations["github.com/project-slug"]; slug != "acme/payment-service" && slug != "my-github-org/payment-service" {
		t.Errorf("project-slug = %q", slug)
	}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
