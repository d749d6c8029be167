package apidoc

import (
	"slices"
	"strconv"
	"strings"
)

// docView is what the templates show for OpenAPI and AsyncAPI alike.
type docView struct {
	Spec        string // "OpenAPI 3.0.3", "Swagger 2.0", "AsyncAPI 3.0.0"
	Title       string
	Version     string
	Description string
	Contact     string // "name <email> url"
	License     string
	Servers     []serverView
	Groups      []groupView   // OpenAPI operations by tag
	Channels    []channelView // AsyncAPI
}

type serverView struct{ URL, Protocol, Description string }

type groupView struct {
	Name, Description string
	Ops               []opView
}

type opView struct {
	ID          string // anchor id, unique in the document
	Method      string // lower case: get, post...; "webhook" prefix for webhooks
	Path        string
	Summary     string
	Description string
	Deprecated  bool
	Params      []paramView
	Body        *bodyView
	Responses   []responseView
}

type paramView struct {
	In, Name, Type, Description string
	Required                    bool
	Notes                       []string
}

type bodyView struct {
	Description string
	Required    bool
	Media       []mediaView
}

type mediaView struct {
	Type   string
	Schema *schemaView
}

type responseView struct {
	Code, Description string
	Media             []mediaView
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPI builds the view of an OpenAPI 3.x or Swagger 2.0 document.
func openAPI(root *omap) *docView {
	b := newSchemas(root)
	swagger := root.s("swagger") != ""
	info := root.m("info")
	d := &docView{Title: info.s("title"), Version: info.s("version"), Description: info.s("description")}
	if swagger {
		d.Spec = "Swagger " + root.s("swagger")
	} else {
		d.Spec = strings.TrimSpace("OpenAPI " + root.s("openapi"))
	}
	d.Contact, d.License = contact(info)
	d.Servers = openAPIServers(root)
	byTag := map[string]*groupView{}
	var order []string
	group := func(name string) *groupView {
		if g, ok := byTag[name]; ok {
			return g
		}
		g := &groupView{Name: name}
		byTag[name] = g
		order = append(order, name)
		return g
	}
	for _, t := range root.l("tags") {
		tm := asMap(t)
		if tm.s("name") != "" {
			group(tm.s("name")).Description = tm.s("description")
		}
	}
	ids := map[string]int{}
	add := func(items *omap, webhook bool) {
		for _, path := range items.ks() {
			item, _ := b.deref(items.get(path))
			for _, method := range item.ks() {
				if !slices.Contains(methods, method) {
					continue
				}
				op := asMap(item.get(method))
				ov := b.operation(root, item, op, method, path, swagger)
				if webhook {
					ov.Method = "webhook " + method
				}
				ov.ID = uniqueID(ids, "op-"+anchor(firstNonEmpty(op.s("operationId"), method+" "+path)))
				tag := "default"
				if t := strs(op.get("tags")); len(t) > 0 {
					tag = t[0]
				}
				g := group(tag)
				g.Ops = append(g.Ops, ov)
			}
		}
	}
	add(root.m("paths"), false)
	add(root.m("webhooks"), true)
	for _, name := range order {
		if g := byTag[name]; len(g.Ops) > 0 {
			d.Groups = append(d.Groups, *g)
		}
	}
	return d
}

// contact formats info.contact and info.license for one line each.
func contact(info *omap) (string, string) {
	c := info.m("contact")
	parts := []string{c.s("name")}
	if e := c.s("email"); e != "" {
		parts = append(parts, "<"+e+">")
	}
	parts = append(parts, c.s("url"))
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " "), strings.TrimSpace(info.m("license").s("name"))
}

func openAPIServers(root *omap) []serverView {
	var out []serverView
	for _, s := range root.l("servers") {
		sm := asMap(s)
		if sm.s("url") != "" {
			out = append(out, serverView{URL: sm.s("url"), Description: sm.s("description")})
		}
	}
	if host := root.s("host"); host != "" || root.s("basePath") != "" {
		schemes := strs(root.get("schemes"))
		if len(schemes) == 0 {
			schemes = []string{"https"}
		}
		for _, sc := range schemes {
			u := root.s("basePath")
			if host != "" {
				u = sc + "://" + host + u
			}
			out = append(out, serverView{URL: u})
		}
	}
	return out
}

// operation builds one operation; parameters declared on the path apply
// unless the operation redeclares them (same name and location).
func (b *schemas) operation(root, item, op *omap, method, path string, swagger bool) opView {
	ov := opView{Method: method, Path: path, Summary: op.s("summary"), Description: op.s("description"), Deprecated: op.truthy("deprecated")}
	var params []*omap
	seen := map[string]int{}
	for _, list := range [][]any{item.l("parameters"), op.l("parameters")} {
		for _, p := range list {
			pm, _ := b.deref(p)
			if pm == nil {
				continue
			}
			key := pm.s("in") + "\x00" + pm.s("name")
			if i, ok := seen[key]; ok {
				params[i] = pm
				continue
			}
			seen[key] = len(params)
			params = append(params, pm)
		}
	}
	consumes := mediaTypes(op, root, "consumes")
	for _, pm := range params {
		if swagger && pm.s("in") == "body" {
			ov.Body = &bodyView{Description: pm.s("description"), Required: pm.truthy("required")}
			for _, mt := range consumes {
				ov.Body.Media = append(ov.Body.Media, mediaView{mt, b.view(pm.get("schema"), nil)})
			}
			continue
		}
		sch := pm.get("schema")
		if sch == nil && swagger {
			sch = pm // Swagger 2.0 keeps type, format and items on the parameter
		}
		if c := pm.m("content"); sch == nil && c != nil && len(c.ks()) > 0 {
			sch = c.m(c.ks()[0]).get("schema")
		}
		sv := b.view(sch, nil)
		ov.Params = append(ov.Params, paramView{
			In: pm.s("in"), Name: pm.s("name"), Type: sv.Label(), Description: pm.s("description"),
			Required: pm.truthy("required") || pm.s("in") == "path", Notes: sv.Notes,
		})
	}
	if rb, _ := b.deref(op.get("requestBody")); rb != nil {
		ov.Body = &bodyView{Description: rb.s("description"), Required: rb.truthy("required"), Media: b.content(rb.m("content"))}
	}
	produces := mediaTypes(op, root, "produces")
	responses := op.m("responses")
	for _, code := range responses.ks() {
		r, _ := b.deref(responses.get(code))
		rv := responseView{Code: code, Description: r.s("description"), Media: b.content(r.m("content"))}
		if swagger && r.has("schema") {
			for _, mt := range produces {
				rv.Media = append(rv.Media, mediaView{mt, b.view(r.get("schema"), nil)})
			}
		}
		ov.Responses = append(ov.Responses, rv)
	}
	return ov
}

// content lists an OpenAPI 3 content map's media types and schemas.
func (b *schemas) content(c *omap) []mediaView {
	var out []mediaView
	for _, mt := range c.ks() {
		mm := c.m(mt)
		var sv *schemaView
		if mm.has("schema") {
			sv = b.view(mm.get("schema"), nil)
		}
		out = append(out, mediaView{mt, sv})
	}
	return out
}

func mediaTypes(op, root *omap, key string) []string {
	if t := strs(op.get(key)); len(t) > 0 {
		return t
	}
	if t := strs(root.get(key)); len(t) > 0 {
		return t
	}
	return []string{"application/json"}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// anchor turns s into an id fragment: letters, digits, '-' and '_'.
func anchor(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func uniqueID(seen map[string]int, id string) string {
	seen[id]++
	if n := seen[id]; n > 1 {
		return id + "-" + strconv.Itoa(n)
	}
	return id
}

// operationCount counts the operations of an OpenAPI document.
func operationCount(root *omap) int {
	n := 0
	r := resolver{root}
	for _, k := range []string{"paths", "webhooks"} {
		items := root.m(k)
		for _, p := range items.ks() {
			item, _ := r.deref(items.get(p))
			for _, m := range item.ks() {
				if slices.Contains(methods, m) {
					n++
				}
			}
		}
	}
	return n
}
