package orggen

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// appendOpenAPI appends an OpenAPI 3.0 document for API number a, every line
// prefixed by indent (so it can sit in a YAML block scalar). It draws from
// its own generator, seeded by the plan's seed and a, so APIs can be
// rendered in any order, concurrently, with the same result. Sizes vary
// between about 1 and 3.5 KB: one or two resources, each with two to four
// operations and a schema of three to eight fields.
func appendOpenAPI(b []byte, indent string, seed int64, a int, word string) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(a)<<8|0x41))
	line := func(s ...string) {
		b = append(b, indent...)
		for _, p := range s {
			b = append(b, p...)
		}
		b = append(b, '\n')
	}
	version := "v" + strconv.Itoa(1+rng.IntN(3))
	line("openapi: 3.0.3")
	line("info:")
	line("  title: ", title(word), " API")
	line("  version: 1.", strconv.Itoa(rng.IntN(20)), ".", strconv.Itoa(rng.IntN(10)))
	line("  description: Manages ", word, " for internal clients.")
	line("servers:")
	line("  - url: https://api.", orgName, ".example/", word, "/", version)
	line("paths:")

	// One or two resources; the API's own word first.
	resources := []string{word}
	for range rng.IntN(2) {
		w := businessWords[rng.IntN(len(businessWords))]
		if !slices.Contains(resources, w) {
			resources = append(resources, w)
		}
	}
	for _, r := range resources {
		schema := "#/components/schemas/" + title(r)
		line("  /", r, ":")
		line("    get:")
		line("      operationId: list", title(r))
		line("      summary: List ", r)
		line("      parameters:")
		line("        - name: limit")
		line("          in: query")
		line("          schema:")
		line("            type: integer")
		line("            maximum: 100")
		line("        - name: cursor")
		line("          in: query")
		line("          schema:")
		line("            type: string")
		line("      responses:")
		line("        '200':")
		line("          description: A page of ", r, ".")
		line("          content:")
		line("            application/json:")
		line("              schema:")
		line("                type: array")
		line("                items:")
		line("                  $ref: '", schema, "'")
		if rng.IntN(2) == 0 {
			line("    post:")
			line("      operationId: create", title(r))
			line("      requestBody:")
			line("        required: true")
			line("        content:")
			line("          application/json:")
			line("            schema:")
			line("              $ref: '", schema, "'")
			line("      responses:")
			line("        '201':")
			line("          description: Created.")
		}
		line("  /", r, "/{id}:")
		line("    parameters:")
		line("      - name: id")
		line("        in: path")
		line("        required: true")
		line("        schema:")
		line("          type: string")
		line("    get:")
		line("      operationId: get", title(r))
		line("      responses:")
		line("        '200':")
		line("          description: The ", r, " item.")
		line("          content:")
		line("            application/json:")
		line("              schema:")
		line("                $ref: '", schema, "'")
		line("        '404':")
		line("          description: Not found.")
		if rng.IntN(3) == 0 {
			line("    delete:")
			line("      operationId: delete", title(r))
			line("      responses:")
			line("        '204':")
			line("          description: Deleted.")
		}
	}
	line("components:")
	line("  schemas:")
	for _, r := range resources {
		line("    ", title(r), ":")
		line("      type: object")
		line("      required: [id]")
		line("      properties:")
		line("        id:")
		line("          type: string")
		fields := []string{}
		for range 3 + rng.IntN(6) {
			if f := fieldWords[rng.IntN(len(fieldWords))]; !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
		for _, f := range fields {
			line("        ", f, ":")
			switch f {
			case "amount", "quantity", "priority", "version":
				line("          type: integer")
			case "created_at", "updated_at", "expires_at":
				line("          type: string")
				line("          format: date-time")
			default:
				line("          type: string")
			}
		}
	}
	return b
}
