package apidoc_test

import (
	"encoding/xml"
	"flag"
	"html/template"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"callboard/apidoc"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

var (
	update  = flag.Bool("update", false, "rewrite testdata/*.golden")
	preview = flag.String("preview", "", "write each rendering as an HTML page into this directory")
)

const compat = "../../shared/compat/backstage-examples/apis"

// mustRead reads a file of the repository; a file of shared/compat that is
// absent skips the test, except in CI.
func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if strings.HasPrefix(path, compat) && os.IsNotExist(err) && os.Getenv("CI") != "true" {
			t.Skipf("%s absent: %v", path, err)
		}
		t.Fatal(err)
	}
	return string(b)
}

// entityDefinition returns spec.type and spec.definition of an API entity
// file whose definition is inline.
func entityDefinition(t *testing.T, path string) (string, string) {
	t.Helper()
	var e struct {
		Spec struct {
			Type       string `yaml:"type"`
			Definition string `yaml:"definition"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal([]byte(mustRead(t, path)), &e); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return e.Spec.Type, e.Spec.Definition
}

// swagger2 is a Swagger 2.0 sample with body and formData parameters,
// #/definitions references and a self-referencing schema.
const swagger2 = `swagger: "2.0"
info: {title: Inventory, version: "2.1", description: "Stock levels.\n\nSee **docs**."}
host: inventory.example.com
basePath: /v2
schemes: [https]
consumes: [application/json]
produces: [application/json]
tags: [{name: items, description: Things on shelves}]
paths:
  /items:
    get:
      tags: [items]
      summary: List items
      parameters:
        - {name: limit, in: query, type: integer, format: int32, maximum: 100}
        - {name: tags, in: query, type: array, items: {type: string}}
      responses:
        "200": {description: OK, schema: {type: array, items: {$ref: "#/definitions/Item"}}}
    post:
      tags: [items]
      summary: Add an item
      parameters:
        - {name: body, in: body, required: true, schema: {$ref: "#/definitions/Item"}}
      responses:
        "201": {description: Created, schema: {$ref: "#/definitions/Item"}}
        default: {description: Error}
  /items/{id}/photo:
    post:
      tags: [items]
      consumes: [multipart/form-data]
      parameters:
        - {name: id, in: path, type: string}
        - {name: file, in: formData, type: file, required: true}
      responses: {"204": {description: Stored}}
definitions:
  Item:
    type: object
    required: [sku]
    properties:
      sku: {type: string, pattern: "^[A-Z0-9]+$"}
      parent: {$ref: "#/definitions/Item"}
      children: {type: array, items: {$ref: "#/definitions/Item"}}
`

type tcase struct {
	name, typ, def string
	summary        string
	contains       []string
}

func cases(t *testing.T) []tcase {
	stType, stDef := entityDefinition(t, filepath.Join(compat, "streetlights-api.yaml"))
	gqType, gqDef := entityDefinition(t, filepath.Join(compat, "swapi-graphql.yaml"))
	grType, grDef := entityDefinition(t, filepath.Join(compat, "hello-world-api.yaml"))
	trType, trDef := entityDefinition(t, filepath.Join(compat, "hello-world-trpc-api.yaml"))
	return []tcase{
		{"payment-api", "openapi", mustRead(t, "../demo/catalog/components/payment-service/openapi.yaml"), "8 operations",
			[]string{"Lanting Pay Payment API", "/payments/{paymentId}/capture", "Idempotency-Key", "partially_refunded", "https://api.lanting.example/v1", "支付团队"}},
		{"payment-events", "asyncapi", mustRead(t, "../demo/catalog/components/payment-service/outbox-relay/asyncapi.yaml"), "1 channel",
			[]string{"payments.events.v1", "payment.captured", "failure_code", "kafka"}},
		{"petstore", "openapi", mustRead(t, filepath.Join(compat, "petstore.oas.yaml")), "19 operations",
			[]string{"/pet/findByStatus", "Update an existing pet", "petId"}},
		{"petstore-webhook", "openapi", mustRead(t, filepath.Join(compat, "petstore-webhook.oas.yaml")), "1 operation",
			[]string{"WEBHOOK POST", "newPet"}},
		{"swagger2", "openapi", swagger2, "3 operations",
			[]string{"Swagger 2.0", "https://inventory.example.com/v2", "formData", "recursive"}},
		{"streetlights", stType, stDef, "4 channels",
			[]string{"smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured", "RECEIVE", "SEND", "lumens", "my-app-header"}},
		{"swapi", gqType, gqDef, "",
			[]string{`class="hl-chroma"`, "Film"}},
		{"grpc", grType, grDef, "1 method", []string{"SayHello"}},
		{"trpc", trType, trDef, "2 procedures", []string{"publicProcedure"}},
		{"invalid-yaml", "openapi", "openapi: 3.0.0\ninfo: [unclosed\n  title: x\n", "",
			[]string{`class="apidoc-warning"`, "could not be read", "unclosed"}},
		{"not-openapi", "openapi", "hello: world\n", "", []string{"has no &#34;openapi&#34; field"}},
		{"empty", "openapi", "", "", []string{"no definition"}},
	}
}

func TestRender(t *testing.T) {
	for _, tc := range cases(t) {
		t.Run(tc.name, func(t *testing.T) {
			h, err := apidoc.Render(tc.typ, tc.def)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			got := string(h)
			for _, want := range tc.contains {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			checkWellFormed(t, got)
			golden(t, filepath.Join("testdata", tc.name+".golden"), got)
			writePreview(t, tc.name, got)
			if s := apidoc.Summary(tc.typ, tc.def); tc.summary != "" && s != tc.summary {
				t.Errorf("Summary = %q, want %q", s, tc.summary)
			}
		})
	}
}

func TestSummaryGraphQL(t *testing.T) {
	typ, def := entityDefinition(t, filepath.Join(compat, "swapi-graphql.yaml"))
	if got := apidoc.Summary(typ, def); !strings.HasSuffix(got, " types") {
		t.Errorf("Summary = %q, want \"N types\"", got)
	}
}

func TestRenderEscapes(t *testing.T) {
	evil := `<script>alert(1)</script>"'&<img src=x onerror=alert(2)>`
	q := func(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }
	openapi := "openapi: 3.0.0\ninfo: {title: " + q(evil) + ", version: " + q(evil) + ", description: " + q(evil+"\n"+evil) + "}\n" +
		"servers: [{url: " + q(evil) + "}]\ntags: [{name: " + q(evil) + "}]\n" +
		"paths:\n  " + q("/x/"+evil) + ":\n    get:\n      operationId: " + q(evil) + "\n      tags: [" + q(evil) + "]\n      summary: " + q(evil) +
		"\n      parameters: [{name: " + q(evil) + ", in: query, schema: {type: string, enum: [" + q(evil) + "]}}]\n" +
		"      responses: {" + q(evil) + ": {description: " + q(evil) + ", content: {" + q(evil) + ": {schema: {properties: {" + q(evil) + ": {type: " + q(evil) + "}}}}}}}\n"
	asyncapi := "asyncapi: 2.6.0\ninfo: {title: " + q(evil) + "}\nchannels:\n  " + q(evil) + ":\n    subscribe:\n      message: {name: " + q(evil) + ", payload: {type: object, properties: {" + q(evil) + ": {description: " + q(evil) + "}}}}\n"
	for _, tc := range []struct{ typ, def string }{
		{"openapi", openapi}, {"asyncapi", asyncapi}, {"graphql", evil}, {"grpc", evil}, {evil, evil},
		{"openapi", evil + ": [\n"},
	} {
		h, err := apidoc.Render(tc.typ, tc.def)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		got := string(h)
		for _, bad := range []string{"<script", "<img", "onerror=alert(2)>"} {
			if strings.Contains(got, bad) {
				t.Errorf("Render(%.20q) contains %q unescaped", tc.typ, bad)
			}
		}
		if tc.typ == "openapi" && strings.HasPrefix(tc.def, "openapi") && !strings.Contains(got, "&lt;script&gt;") {
			t.Errorf("openapi: escaped title missing; output:\n%s", got)
		}
	}
}

func TestRenderRefCycle(t *testing.T) {
	def := `openapi: 3.0.0
info: {title: Cycle, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/A"}
components:
  schemas:
    A: {type: object, properties: {b: {$ref: "#/components/schemas/B"}, self: {$ref: "#/components/schemas/A"}}}
    B: {type: object, properties: {a: {$ref: "#/components/schemas/A"}, loop: {$ref: "#/components/schemas/L1"}}}
    L1: {$ref: "#/components/schemas/L2"}
    L2: {$ref: "#/components/schemas/L1"}
`
	done := make(chan string)
	go func() {
		h, _ := apidoc.Render("openapi", def)
		done <- string(h)
	}()
	select {
	case got := <-done:
		if !strings.Contains(got, "recursive") {
			t.Errorf("cycle not marked recursive:\n%s", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Render did not terminate on a $ref cycle")
	}
}

func TestRenderAliasBomb(t *testing.T) {
	def := "openapi: 3.0.0\ninfo: {title: x}\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n" +
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\npaths: {}\n"
	// Expanded, the bomb is 9^7 (4.8 million) nodes: hundreds of MB. What
	// Render allocates must stay near the size of the input instead.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := apidoc.Render("openapi", def); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Errorf("Render allocated %d MB on an alias bomb; aliases were expanded", n>>20)
	}
}

func TestCSS(t *testing.T) {
	css := apidoc.CSS()
	for _, want := range []string{".cb-apidoc", ".hl-chroma", "prefers-color-scheme:dark"} {
		if !strings.Contains(css, want) {
			t.Errorf("CSS() lacks %q", want)
		}
	}
}

// checkWellFormed parses the fragment as XML: unbalanced or unescaped
// markup shows up as an error. <br> is the only void element used.
func checkWellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader("<root>" + strings.ReplaceAll(s, "<br>", "<br/>") + "</root>"))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Errorf("output is not well-formed: %v", err)
			}
			return
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./apidoc -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func writePreview(t *testing.T, name, body string) {
	t.Helper()
	if *preview == "" {
		return
	}
	page := `<!doctype html><meta charset="utf-8"><meta name="color-scheme" content="light dark"><style>body{margin:24px;max-width:1100px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif}` +
		apidoc.CSS() + `</style>` + body
	if err := os.WriteFile(filepath.Join(*preview, name+".html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
}

// With Options.Markdown, the info, tag and operation descriptions go
// through it; without, they stay text (backticks and all).
func TestRendererMarkdown(t *testing.T) {
	def := "openapi: 3.0.0\ninfo:\n  title: T\n  version: '1'\n  description: Send `X-Token`.\ntags:\n  - {name: pets, description: All *pets*.}\npaths:\n  /pets:\n    get:\n      tags: [pets]\n      description: Lists **pets**.\n      responses: {'200': {description: ok}}\n"
	var got []string
	r := apidoc.NewRenderer(apidoc.Options{Markdown: func(s string) template.HTML {
		got = append(got, s)
		return template.HTML("<em>md</em>")
	}})
	h, err := r.Render("openapi", def)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Send `X-Token`.", "All *pets*.", "Lists **pets**."}
	if strings.Join(got, "|") != strings.Join(want, "|") || strings.Count(string(h), "<em>md</em>") != 3 {
		t.Errorf("Markdown called with %q, want %q; html has %d rendered", got, want, strings.Count(string(h), "<em>md</em>"))
	}
	plain, _ := apidoc.Render("openapi", def)
	if !strings.Contains(string(plain), "Send `X-Token`.") {
		t.Errorf("plain Render lost the literal text")
	}
}
