package orggen

import (
	"strconv"
	"strings"
)

// The render functions append one YAML document each. Values come from the
// word lists and formatted indexes, so they need no escaping; free text is
// double-quoted anyway.

func appendHeader(b []byte, kind, name string) []byte {
	b = append(b, "apiVersion: backstage.io/v1alpha1\nkind: "...)
	b = append(b, kind...)
	b = append(b, "\nmetadata:\n  name: "...)
	b = append(b, name...)
	return append(b, '\n')
}

// appendKV appends "<indent>key: value\n".
func appendKV(b []byte, indent, key, value string) []byte {
	b = append(b, indent...)
	b = append(b, key...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, '\n')
}

// appendList appends a block sequence of strings under key.
func appendList(b []byte, indent, key string, items []string) []byte {
	b = append(b, indent...)
	b = append(b, key...)
	if len(items) == 0 {
		return append(b, ": []\n"...)
	}
	b = append(b, ":\n"...)
	for _, it := range items {
		b = append(b, indent...)
		b = append(b, "  - "...)
		b = append(b, it...)
		b = append(b, '\n')
	}
	return b
}

func quote(s string) string { return `"` + s + `"` }

func (p *plan) appendOrgGroup(b []byte) []byte {
	b = appendHeader(b, "Group", orgName)
	b = appendKV(b, "  ", "title", quote(title(orgName)))
	b = appendKV(b, "  ", "description", quote("The "+title(orgName)+" organization."))
	b = append(b, "spec:\n  type: organization\n  profile:\n"...)
	b = appendKV(b, "    ", "displayName", quote(title(orgName)))
	b = appendKV(b, "    ", "email", "hello@"+orgName+".example")
	var children []string
	if len(p.depts) > 0 {
		children = p.depts
	} else {
		for _, t := range p.teams {
			children = append(children, t.name)
		}
	}
	return appendList(b, "  ", "children", children)
}

func (p *plan) appendDept(b []byte, d int, teams []string) []byte {
	name := p.depts[d]
	b = appendHeader(b, "Group", name)
	b = appendKV(b, "  ", "description", quote("The "+departmentWords[d%len(departmentWords)]+" department."))
	b = append(b, "spec:\n  type: department\n  profile:\n"...)
	b = appendKV(b, "    ", "displayName", quote(title(departmentWords[d%len(departmentWords)])+" "+strconv.Itoa(d)))
	b = appendKV(b, "    ", "email", name+"@"+orgName+".example")
	b = appendKV(b, "  ", "parent", orgName)
	return appendList(b, "  ", "children", teams)
}

func (p *plan) appendTeam(b []byte, t int) []byte {
	tm := p.teams[t]
	word := tm.word
	b = appendHeader(b, "Group", tm.name)
	b = appendKV(b, "  ", "description", quote("Builds and runs "+word+" services."))
	b = append(b, "  annotations:\n"...)
	b = appendKV(b, "    ", "github.com/team-slug", orgName+"/"+tm.name)
	b = append(b, "spec:\n  type: team\n  profile:\n"...)
	b = appendKV(b, "    ", "displayName", quote(title(word)+" team "+strconv.Itoa(t)))
	b = appendKV(b, "    ", "email", tm.name+"@"+orgName+".example")
	parent := orgName
	if tm.dept >= 0 {
		parent = p.depts[tm.dept]
	}
	b = appendKV(b, "  ", "parent", parent)
	return append(b, "  children: []\n"...)
}

func (p *plan) appendUser(b []byte, u int) []byte {
	us := p.users[u]
	b = appendHeader(b, "User", us.name)
	b = append(b, "spec:\n  profile:\n"...)
	b = appendKV(b, "    ", "displayName", quote(us.display))
	b = appendKV(b, "    ", "email", us.name+"@"+orgName+".example")
	groups := make([]string, len(us.teams))
	for i, t := range us.teams {
		groups[i] = p.teams[t].name
	}
	return appendKV(b, "  ", "memberOf", "["+strings.Join(groups, ", ")+"]")
}

func (p *plan) appendDomain(b []byte, d int) []byte {
	dom := p.domains[d]
	b = appendHeader(b, "Domain", dom.name)
	b = appendKV(b, "  ", "description", quote("Everything about "+dom.word+"."))
	b = append(b, "spec:\n"...)
	return appendKV(b, "  ", "owner", "group:"+dom.owner)
}

func (p *plan) appendSystem(b []byte, s int) []byte {
	sys := p.systems[s]
	b = appendHeader(b, "System", sys.name)
	b = appendKV(b, "  ", "description", quote("The "+sys.word+" system."))
	b = append(b, "spec:\n"...)
	b = appendKV(b, "  ", "owner", "group:"+p.teams[sys.owner].name)
	return appendKV(b, "  ", "domain", p.domains[sys.domain].name)
}

func (p *plan) appendResource(b []byte, r int) []byte {
	res := p.res[r]
	b = appendHeader(b, "Resource", res.name)
	b = appendKV(b, "  ", "description", quote("A "+res.typ+" for "+p.systems[res.system].name+"."))
	b = appendKV(b, "  ", "tags", "["+res.tag+"]")
	b = append(b, "spec:\n"...)
	b = appendKV(b, "  ", "type", res.typ)
	b = appendKV(b, "  ", "owner", "group:"+p.teams[res.owner].name)
	return appendKV(b, "  ", "system", p.systems[res.system].name)
}

func (p *plan) appendComponent(b []byte, c int) []byte {
	comp := p.comps[c]
	b = appendHeader(b, "Component", comp.name)
	b = appendKV(b, "  ", "description", quote(title(comp.word)+" "+comp.typ+" of "+p.systems[comp.system].name+"."))
	b = append(b, "  annotations:\n"...)
	b = appendKV(b, "    ", "github.com/project-slug", orgName+"/"+comp.name)
	if comp.typ == "service" || comp.typ == "website" {
		b = appendKV(b, "    ", "backstage.io/kubernetes-id", comp.name)
		b = appendKV(b, "    ", "argocd/app-name", comp.name+"-prod")
		b = appendKV(b, "    ", "grafana/dashboard-selector", "service="+comp.name)
	}
	if comp.pagerduty != "" {
		b = appendKV(b, "    ", "pagerduty.com/service-id", comp.pagerduty)
	}
	b = appendKV(b, "  ", "tags", "["+strings.Join(comp.tags, ", ")+"]")
	if comp.typ == "service" {
		b = append(b, "  links:\n"...)
		b = appendKV(b, "    - ", "url", "https://grafana."+orgName+".example/d/"+comp.name)
		b = append(b, "      title: Dashboard\n      icon: dashboard\n"...)
	}
	b = append(b, "spec:\n"...)
	b = appendKV(b, "  ", "type", comp.typ)
	b = appendKV(b, "  ", "lifecycle", comp.lifecycle)
	b = appendKV(b, "  ", "owner", "group:"+p.teams[comp.owner].name)
	b = appendKV(b, "  ", "system", p.systems[comp.system].name)
	deps := make([]string, len(comp.dependsOn))
	for i, d := range comp.dependsOn {
		if d.resource {
			deps[i] = "resource:" + p.res[d.index].name
		} else {
			deps[i] = "component:" + p.comps[d.index].name
		}
	}
	b = appendList(b, "  ", "dependsOn", deps)
	if len(comp.provides) > 0 {
		b = appendList(b, "  ", "providesApis", p.apiNames(comp.provides))
	}
	if len(comp.consumes) > 0 {
		b = appendList(b, "  ", "consumesApis", p.apiNames(comp.consumes))
	}
	return b
}

func (p *plan) apiNames(idx []int) []string {
	names := make([]string, len(idx))
	for i, a := range idx {
		names[i] = p.apis[a]
	}
	return names
}

// appendAPI appends API a, provided by component c, with its definition
// inline as a block scalar.
func (p *plan) appendAPI(b []byte, a, c int) []byte {
	comp := p.comps[c]
	b = appendHeader(b, "API", p.apis[a])
	b = appendKV(b, "  ", "description", quote("REST API of "+comp.name+"."))
	b = append(b, "  tags: [rest]\nspec:\n  type: openapi\n"...)
	b = appendKV(b, "  ", "lifecycle", comp.lifecycle)
	b = appendKV(b, "  ", "owner", "group:"+p.teams[comp.owner].name)
	b = appendKV(b, "  ", "system", p.systems[comp.system].name)
	b = append(b, "  definition: |\n"...)
	return appendOpenAPI(b, "    ", p.seed, a, comp.word)
}
