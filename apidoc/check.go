package apidoc

import (
	"errors"
	"strings"
)

// Check reports whether an API's definition reads as its type: nil when
// an OpenAPI or AsyncAPI definition parses and has its version field, or
// a definition of another type is not empty; otherwise the reason, as
// the Definition tab's warning says it. Scorecards read it as the fact
// api.definitionValid.
func Check(apiType, definition string) error {
	t := strings.ToLower(strings.TrimSpace(apiType))
	if strings.TrimSpace(definition) == "" {
		return errors.New("This API has no definition.")
	}
	var warning string
	switch t {
	case "openapi", "swagger":
		_, warning = structured(t, definition, "OpenAPI", []string{"openapi", "swagger"}, openAPI)
	case "asyncapi":
		_, warning = structured(t, definition, "AsyncAPI", []string{"asyncapi"}, asyncAPI)
	}
	if warning != "" {
		return errors.New(warning)
	}
	return nil
}
