package scaffold

import (
	"testing"

	"callboard"
)

// A required `ui:field: Secret` field arrives in secrets, as Backstage's
// form sends it: the submission is valid, and the secret is not stored
// among the values.
func TestValidateValuesWithSecretFields(t *testing.T) {
	tpl, err := ParseTemplate(&callboard.Entity{APIVersion: TemplateAPIVersion, Kind: "Template",
		Metadata: callboard.Metadata{Name: "t"}, Spec: map[string]any{
			"parameters": []any{map[string]any{
				"required": []any{"name", "token"},
				"properties": map[string]any{
					"name":  map[string]any{"type": "string"},
					"token": map[string]any{"type": "string", "ui:field": "Secret"},
				},
			}},
			"steps": []any{map[string]any{"id": "s", "action": "debug:log"}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{"name": "svc"}
	if _, err := validateValues(tpl, values, nil); err == nil {
		t.Error("no secret: want token is required")
	}
	got, err := validateValues(tpl, values, map[string]string{"token": "s3cr3t"})
	if err != nil {
		t.Fatalf("secret in secrets: %v", err)
	}
	if _, ok := got["token"]; ok {
		t.Errorf("the secret leaked into the stored values: %v", got)
	}
}
