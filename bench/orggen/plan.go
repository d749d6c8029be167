package orggen

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// orgName is the invented company the generated catalog describes.
const orgName = "initech"

// MinEntities is the smallest n Generate accepts: one entity of every kind
// plus two users.
const MinEntities = 10

// plan is the whole org as indexes and names, decided before anything is
// written. Everything random is drawn here from one generator in a fixed
// order, except API definitions, which draw from their own per-API
// generator; so the output depends only on (n, seed).
type plan struct {
	seed int64

	depts   []string // "dept-003-finance"; may be empty for small n
	teams   []team
	domains []domain
	systems []system
	users   []user
	apis    []string // "api-00042-billing"
	res     []resource
	comps   []component
}

type team struct {
	name, word string
	dept       int // index into depts, -1 when the team hangs off the org
}

type domain struct {
	name, word string
	owner      string // a group name
}

type system struct {
	name, word string
	owner      int // team
	domain     int
}

type user struct {
	name, display string
	teams         []int
}

// dep is one entry of a component's dependsOn: another component or a
// resource, by index.
type dep struct {
	resource bool
	index    int
}

type resource struct {
	name, typ, tag string
	owner, system  int // team, system
}

type component struct {
	name, typ, lifecycle, word string
	owner, system              int // team, system
	tags                       []string
	dependsOn                  []dep
	provides, consumes         []int  // APIs
	pagerduty                  string // "" for none
}

// sizes is how many entities of each kind an org of n has.
type sizes struct {
	depts, teams, domains, systems, users, apis, res, comps int
}

// sizesFor splits n entities into kinds: departments 0.2%, teams 2%,
// domains 1%, systems 5%, users 20%, APIs 15%, resources 10%, and
// components what is left (about 47%) after the root Location and the
// organization group.
func sizesFor(n int) (sizes, error) {
	if n < MinEntities {
		return sizes{}, fmt.Errorf("orggen: n = %d, want at least %d", n, MinEntities)
	}
	s := sizes{
		depts:   n / 500,
		teams:   max(1, n/50),
		domains: max(1, n/100),
		systems: max(1, n/20),
		users:   max(2, n/5),
		apis:    max(1, n*15/100),
		res:     max(1, n/10),
	}
	s.comps = n - 2 - s.depts - s.teams - s.domains - s.systems - s.users - s.apis - s.res
	return s, nil
}

func newPlan(n int, seed int64) (*plan, error) {
	sz, err := sizesFor(n)
	if err != nil {
		return nil, err
	}
	nd, nt, ndom, nsys := sz.depts, sz.teams, sz.domains, sz.systems
	p := &plan{seed: seed}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6f7267676e))
	word := func(list []string) string { return list[rng.IntN(len(list))] }

	for d := range nd {
		p.depts = append(p.depts, fmt.Sprintf("dept-%03d-%s", d, departmentWords[d%len(departmentWords)]))
	}
	for t := range nt {
		dept := -1
		if nd > 0 {
			dept = t % nd
		}
		w := word(businessWords)
		p.teams = append(p.teams, team{name: fmt.Sprintf("team-%04d-%s", t, w), word: w, dept: dept})
	}
	for d := range ndom {
		owner := orgName
		if nd > 0 {
			owner = p.depts[d%nd]
		}
		w := word(businessWords)
		p.domains = append(p.domains, domain{name: fmt.Sprintf("dom-%03d-%s", d, w), word: w, owner: owner})
	}
	for s := range nsys {
		w := word(businessWords)
		p.systems = append(p.systems, system{
			name:   fmt.Sprintf("sys-%04d-%s", s, w),
			word:   w,
			owner:  s % nt,
			domain: rng.IntN(ndom),
		})
	}
	for u := range sz.users {
		first, last := word(firstNames), word(lastNames)
		teams := []int{u % nt}
		if nt > 1 && rng.IntN(10) == 0 { // one in ten people sit in two teams
			if second := rng.IntN(nt); second != teams[0] {
				teams = append(teams, second)
			}
		}
		p.users = append(p.users, user{
			name:    fmt.Sprintf("%s.%s-%05d", first, last, u),
			display: title(first) + " " + title(last),
			teams:   teams,
		})
	}
	p.apis = make([]string, sz.apis) // named after their providers, below
	for r := range sz.res {
		kind := resourceKinds[pickWeighted(rng, resourceWeights)]
		s := rng.IntN(nsys)
		p.res = append(p.res, resource{
			name:   fmt.Sprintf("%s-%05d-%s", kind.prefix, r, word(businessWords)),
			typ:    kind.typ,
			tag:    kind.tag,
			owner:  p.systems[s].owner,
			system: s,
		})
	}
	p.planComponents(rng, sz.comps)
	return p, nil
}

type resourceKind struct{ prefix, typ, tag string }

var (
	resourceKinds   = []resourceKind{{"db", "database", "postgres"}, {"topic", "kafka-topic", "kafka"}, {"bucket", "s3-bucket", "s3"}, {"cache", "cache", "redis"}, {"queue", "queue", "sqs"}}
	resourceWeights = []int{35, 25, 15, 15, 10}

	compTypes   = []struct{ prefix, typ string }{{"svc", "service"}, {"web", "website"}, {"lib", "library"}, {"job", "data-pipeline"}}
	compWeights = []int{60, 10, 20, 10}

	lifecycles       = []string{"production", "experimental", "deprecated"}
	lifecycleWeights = []int{75, 15, 10}
)

func (p *plan) planComponents(rng *rand.Rand, nc int) {
	na := len(p.apis)
	// API a is provided by component a*nc/na: spread evenly, a few
	// components provide several when APIs outnumber them.
	providerOf := make([]int, na)
	provides := make(map[int][]int, na)
	for a := range na {
		c := a * nc / na
		providerOf[a] = c
		provides[c] = append(provides[c], a)
	}
	for c := range nc {
		ct := compTypes[pickWeighted(rng, compWeights)]
		if len(provides[c]) > 0 {
			ct = compTypes[0] // whatever serves an API is a service
		}
		w := businessWords[rng.IntN(len(businessWords))]
		s := rng.IntN(len(p.systems))
		owner := p.systems[s].owner
		if rng.IntN(100) < 15 { // some components live in another team's system
			owner = rng.IntN(len(p.teams))
		}
		comp := component{
			name:      fmt.Sprintf("%s-%05d-%s", ct.prefix, c, w),
			typ:       ct.typ,
			lifecycle: lifecycles[pickWeighted(rng, lifecycleWeights)],
			word:      w,
			owner:     owner,
			system:    s,
			tags:      []string{languageTags[rng.IntN(len(languageTags))]},
			provides:  provides[c],
		}
		for range rng.IntN(3) {
			if t := topicTags[rng.IntN(len(topicTags))]; !slices.Contains(comp.tags, t) {
				comp.tags = append(comp.tags, t)
			}
		}
		if ct.typ == "service" && rng.IntN(100) < 40 {
			comp.pagerduty = fmt.Sprintf("P%06X", rng.Uint32()&0xFFFFFF)
		}
		// 1-4 dependencies, about 60% on other components. Draws that hit
		// the component itself or repeat an earlier one are dropped.
		for range 1 + rng.IntN(4) {
			d := dep{index: rng.IntN(nc)}
			if nc == 1 || rng.IntN(100) >= 60 {
				d = dep{resource: true, index: rng.IntN(len(p.res))}
			}
			if (d.resource || d.index != c) && !slices.Contains(comp.dependsOn, d) {
				comp.dependsOn = append(comp.dependsOn, d)
			}
		}
		if len(comp.dependsOn) == 0 {
			comp.dependsOn = []dep{{resource: true, index: rng.IntN(len(p.res))}}
		}
		for range rng.IntN(4) {
			if a := rng.IntN(na); providerOf[a] != c && !slices.Contains(comp.consumes, a) {
				comp.consumes = append(comp.consumes, a)
			}
		}
		p.comps = append(p.comps, comp)
	}
	for a, c := range providerOf {
		p.apis[a] = fmt.Sprintf("api-%05d-%s", a, p.comps[c].word)
	}
}

// pickWeighted returns an index into weights, chosen in proportion to them.
func pickWeighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := rng.IntN(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func title(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
