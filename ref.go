package callboard

import (
	"fmt"
	"strings"
)

// DefaultNamespace is the namespace of entities that name none.
const DefaultNamespace = "default"

// EntityRef identifies an entity by kind, namespace and name. Comparisons are
// case-insensitive; String returns the lowercased canonical form.
type EntityRef struct {
	Kind      string
	Namespace string
	Name      string
}

// String returns "kind:namespace/name", lowercased, as Backstage's
// stringifyEntityRef does.
func (r EntityRef) String() string {
	ns := r.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return lower(r.Kind) + ":" + lower(ns) + "/" + lower(r.Name)
}

// ParseRef parses "[<kind>:][<namespace>/]<name>" exactly as Backstage's
// parseEntityRef: a slash before the first colon means there is no kind.
// Missing parts take defaultKind and defaultNamespace ("default" if empty);
// a missing kind with no default is an Invalid error.
func ParseRef(s, defaultKind, defaultNamespace string) (EntityRef, error) {
	bad := func() error {
		return Errorf(Invalid, "Entity reference %q was not on the form [<kind>:][<namespace>/]<name>", s)
	}
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	if slash >= 0 && slash < colon {
		colon = -1 // the colon belongs to the name
	}
	var kind, ns, name string
	kindSet, nsSet := colon >= 0, slash >= 0
	switch {
	case kindSet && nsSet:
		kind, ns, name = s[:colon], s[colon+1:slash], s[slash+1:]
	case kindSet:
		kind, name = s[:colon], s[colon+1:]
	case nsSet:
		ns, name = s[:slash], s[slash+1:]
	default:
		name = s
	}
	if (kindSet && kind == "") || (nsSet && ns == "") || name == "" {
		return EntityRef{}, bad()
	}
	if !kindSet {
		if defaultKind == "" {
			return EntityRef{}, Errorf(Invalid, "Entity reference %q had missing or empty kind (e.g. did not start with \"component:\" or similar)", s)
		}
		kind = defaultKind
	}
	if !nsSet {
		ns = defaultNamespace
		if ns == "" {
			ns = DefaultNamespace
		}
	}
	return EntityRef{Kind: kind, Namespace: ns, Name: name}, nil
}

// MustParseRef is ParseRef for refs known to be valid; it panics otherwise.
// Use it in tests and for constants only.
func MustParseRef(s string) EntityRef {
	r, err := ParseRef(s, "", "")
	if err != nil {
		panic(fmt.Sprintf("MustParseRef(%q): %v", s, err))
	}
	return r
}
