package index

import (
	"strings"

	"callboard"
)

// The index keeps no ref strings: a ref is kind, namespace and name, which
// are rows of every document already.

// byRef returns the document with the canonical ref ref, compared
// case-insensitively.
func (x *Index) byRef(ref string) (int32, bool) {
	r, err := callboard.ParseRef(strings.ToLower(ref), "", "")
	if err != nil {
		return 0, false
	}
	kName, ok1 := x.lookupKey("metadata.name")
	kKind, ok2 := x.lookupKey("kind")
	kNS, ok3 := x.lookupKey("metadata.namespace")
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	var buf [4]int32
	var one [1]int32
	for _, id := range x.findPairs(buf[:0], kName, r.Name) {
		for _, o := range x.docsOf(id, &one) {
			if x.hasValue(o, kKind, r.Kind) && x.hasValue(o, kNS, r.Namespace) {
				return o, true
			}
		}
	}
	return 0, false
}

// hasValue reports whether document o has the lowercased value lower for key.
func (x *Index) hasValue(o, key int32, lower string) bool {
	for _, id := range x.docs[o].rows {
		if p := x.pairs.at(id); p.key() == key && x.keys[key].null != id && x.lower(p) == lower {
			return true
		}
	}
	return false
}

// refOf returns the canonical ref of document o.
func (x *Index) refOf(o int32) string {
	var kind, ns, name string
	kKind, _ := x.lookupKey("kind")
	kNS, _ := x.lookupKey("metadata.namespace")
	kName, _ := x.lookupKey("metadata.name")
	for _, id := range x.docs[o].rows {
		p := x.pairs.at(id)
		if x.keys[p.key()].null == id {
			continue
		}
		switch p.key() {
		case kKind:
			kind = x.lower(p)
		case kNS:
			ns = x.lower(p)
		case kName:
			name = x.lower(p)
		}
	}
	return callboard.EntityRef{Kind: kind, Namespace: ns, Name: name}.String()
}

// internedUID returns uid with the bytes of its metadata.uid pair, so that
// the document and the pair share one copy.
func (x *Index) internedUID(uid string) string {
	if k, ok := x.lookupKey("metadata.uid"); ok {
		var buf [4]int32
		for _, id := range x.findPairs(buf[:0], k, strings.ToLower(uid)) {
			if s := x.orig(id); s == uid {
				return s
			}
		}
	}
	return strings.Clone(uid)
}
