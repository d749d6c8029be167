package index

import (
	"callboard"
)

// RefsByUID returns the canonical refs of the entities with the given uids,
// "" where a uid is unknown: RefByUID for a page of results under one
// acquisition of the lock.
func (x *Index) RefsByUID(uids []string) []string {
	out := make([]string, len(uids))
	x.mu.RLock()
	defer x.mu.RUnlock()
	kKind, _ := x.lookupKey("kind")
	kNS, _ := x.lookupKey("metadata.namespace")
	kName, _ := x.lookupKey("metadata.name")
	for i, uid := range uids {
		o, ok := x.byUID[uid]
		if !ok {
			continue
		}
		// refOf, with the keys looked up once.
		var kind, ns, name string
		for _, id := range x.docs[o].rows {
			p := x.pairs.at(id)
			switch k := p.key(); {
			case k != kKind && k != kNS && k != kName:
			case x.keys[k].null == id:
			case k == kKind:
				kind = x.lower(p)
			case k == kNS:
				ns = x.lower(p)
			default:
				name = x.lower(p)
			}
		}
		out[i] = callboard.EntityRef{Kind: kind, Namespace: ns, Name: name}.String()
	}
	return out
}
