package params

import (
	"slices"
	"strings"
)

// SecretFields lists the "/"-separated paths of fields drawn with
// `ui:field: Secret`. Backstage's form sends their values as task secrets,
// not values (templates read them as ${{ secrets.x }}), so a caller
// validating a submission merges those secrets in first.
func (f *Form) SecretFields() []string {
	var out []string
	for _, p := range f.Pages {
		secretPaths(p.UI, "", &out)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func secretPaths(ui map[string]any, path string, out *[]string) {
	if ui["ui:field"] == "Secret" && path != "" {
		*out = append(*out, path)
	}
	for k, v := range ui {
		if strings.HasPrefix(k, "ui:") {
			continue
		}
		if m, ok := v.(map[string]any); ok {
			p := k
			if path != "" {
				p = path + "/" + k
			}
			secretPaths(m, p, out)
		}
	}
}
