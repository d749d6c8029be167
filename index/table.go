package index

import (
	"hash/maphash"
	"slices"
)

// A pair is one distinct (key, original value) of the search rows, with the
// sorted ordinals of the documents that have it. Pairs are interned: each
// distinct value is stored once however many documents carry it. The struct
// is 16 bytes without pointers: a catalog of 100,000 entities has about
// 1.4 million pairs, which the collector then never scans; the value is
// in x.values (arena.go).
type pair struct {
	off  uint32 // the value in x.values: the lowercased value, then the original if different (flagOrig)
	n    uint32 // its length in bytes
	kf   int32  // key id | flags; -1 once no document has the pair
	post int32  // >= 0: the only document; -1: none; <= -2: x.multi[-post-2]
}

const (
	flagOrig = 1 << 30 // the value is lower+orig, two halves of equal length
	flagSide = 1 << 29 // the original is x.origs[id] (lowercasing changed its length)
	keyMask  = flagSide - 1
)

// key returns the pair's key id, or -1 for a dead pair.
func (p *pair) key() int32 {
	if p.kf < 0 {
		return -1
	}
	return p.kf & keyMask
}

// value returns the pair's stored value (both halves for flagOrig).
func (x *Index) value(p *pair) string { return x.values.str(p.off, p.n) }

// lower returns the lowercased value of p ("" for a null pair).
func (x *Index) lower(p *pair) string {
	s := x.value(p)
	if p.kf&flagOrig != 0 {
		return s[:len(s)/2]
	}
	return s
}

// orig returns the original-case value of pair id.
func (x *Index) orig(id int32) string {
	p := x.pairs.at(id)
	switch {
	case p.kf&flagOrig != 0:
		s := x.value(p)
		return s[len(s)/2:]
	case p.kf&flagSide != 0:
		return x.origs[id]
	}
	return x.value(p)
}

// A keyInfo is one distinct lowercased search key.
type keyInfo struct {
	name  string
	pairs []int32 // the key's pairs, null pair included; may hold dead ids
	dead  int32   // dead ids in pairs
	null  int32   // the pair of null values (and over-long ones), or -1
}

// pairTable finds pairs by (key, lowercased value) with open addressing and
// linear probing: 4 bytes a slot, where a Go map would spend about 40 per
// entry. Pairs that differ only in the case of their original value share a
// (key, lower) and sit in the same probe run.
type pairTable struct {
	seed  maphash.Seed
	slots []int32 // pair id + 1; 0 = empty
	tags  []uint8 // by slot: 8 bits of the hash, so most probes skip the pair
	n     int
}

func (t *pairTable) hash(key int32, lower string) uint64 {
	h := maphash.String(t.seed, lower)
	h ^= uint64(uint32(key)) * 0x9e3779b97f4a7c15
	h ^= h >> 29
	return h
}

func tagOf(h uint64) uint8 { return uint8(h >> 56) }

// keyID returns the id of the lowercased key k, creating it when create is set.
func (x *Index) keyID(k []byte, create bool) (int32, bool) {
	if id, ok := x.keyIDs[string(k)]; ok {
		return id, true
	}
	if !create {
		return 0, false
	}
	id := int32(len(x.keys))
	// From the arena: Backstage's rows for string arrays give every
	// distinct item a key of its own (spec.dependson.component:x), so a
	// catalog has about one key per entity.
	name := x.strs.CloneBytes(k)
	x.keys = append(x.keys, keyInfo{name: name, null: -1})
	x.keyIDs[name] = id
	return id, true
}

// lookupKey returns the id of the lowercased key k.
func (x *Index) lookupKey(k string) (int32, bool) {
	id, ok := x.keyIDs[k]
	return id, ok
}

// findPairs appends to dst the pairs of key whose lowercased value is lower.
func (x *Index) findPairs(dst []int32, key int32, lower string) []int32 {
	t := &x.table
	if len(t.slots) == 0 {
		return dst
	}
	mask := uint64(len(t.slots) - 1)
	h := t.hash(key, lower)
	tag := tagOf(h)
	for i := h & mask; t.slots[i] != 0; i = (i + 1) & mask {
		if t.tags[i] != tag {
			continue
		}
		id := t.slots[i] - 1
		if p := x.pairs.at(id); p.key() == key && x.lower(p) == lower {
			dst = append(dst, id)
		}
	}
	return dst
}

// valuePair returns the pair (key, orig), creating it if needed. lower is
// strings.ToLower(orig) and h is t.hash(key, lower).
func (x *Index) valuePair(key int32, h uint64, lower, orig string) int32 {
	t := &x.table
	if t.n+1 > len(t.slots)*3/4 {
		x.growTable()
	}
	mask := uint64(len(t.slots) - 1)
	tag := tagOf(h)
	i := h & mask
	for ; t.slots[i] != 0; i = (i + 1) & mask {
		if t.tags[i] != tag {
			continue
		}
		id := t.slots[i] - 1
		if p := x.pairs.at(id); p.key() == key && x.lower(p) == lower && x.orig(id) == orig {
			return id
		}
	}
	// Copy the strings into the arena: the index must not pin the
	// buffers of the entity.
	var kf int32
	var off, n uint32
	switch {
	case orig == lower:
		kf = key
		off, n = x.values.add(lower, "")
	case len(orig) == len(lower):
		kf = key | flagOrig
		off, n = x.values.add(lower, orig)
	default:
		kf = key | flagSide
		off, n = x.values.add(lower, "")
	}
	id := x.newPair(kf, off, n)
	if kf&flagSide != 0 {
		x.origs[id] = x.strs.Clone(orig)
	}
	t.slots[i] = id + 1
	t.tags[i] = tag
	t.n++
	return id
}

// nullPair returns the null pair of key, creating it if needed.
func (x *Index) nullPair(key int32) int32 {
	if id := x.keys[key].null; id >= 0 {
		return id
	}
	id := x.newPair(key, 0, 0)
	x.keys[key].null = id
	return id
}

func (x *Index) newPair(kf int32, off, n uint32) int32 {
	var id int32
	if free := len(x.freePairs); free > 0 {
		id = x.freePairs[free-1]
		x.freePairs = x.freePairs[:free-1]
		*x.pairs.at(id) = pair{off: off, n: n, kf: kf, post: -1}
	} else {
		id = x.pairs.add(pair{off: off, n: n, kf: kf, post: -1})
	}
	k := &x.keys[kf&keyMask]
	k.pairs = append(k.pairs, id)
	x.textAdd(id)
	return id
}

func (x *Index) growTable() {
	t := &x.table
	// Room for twice the pairs: the table doubles when 3/4 full. (It
	// used to ask for n*3/4 >= 2*(pairs+1), one more than a doubling
	// gives, so it quadrupled: 4M slots, 20 MB, for 1.3M pairs at 100k.)
	n := 1024
	for n/2 < t.n+1 {
		n *= 2
	}
	old := t.slots
	t.slots = make([]int32, n)
	t.tags = make([]uint8, n)
	mask := uint64(n - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		p := x.pairs.at(s - 1)
		h := t.hash(p.key(), x.lower(p))
		i := h & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
		t.tags[i] = tagOf(h)
	}
}

// unlink removes value pair id from the table with backward-shift deletion,
// so that probe runs stay unbroken without tombstones.
func (x *Index) unlink(id int32) {
	t := &x.table
	p := x.pairs.at(id)
	mask := uint64(len(t.slots) - 1)
	i := t.hash(p.key(), x.lower(p)) & mask
	for t.slots[i] != id+1 {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; t.slots[j] != 0; j = (j + 1) & mask {
		q := x.pairs.at(t.slots[j] - 1)
		home := t.hash(q.key(), x.lower(q)) & mask
		// Move slot j back to i unless its home lies cyclically in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.slots[i], t.tags[i] = t.slots[j], t.tags[j]
			i = j
		}
	}
	t.slots[i] = 0
	t.n--
}

// addDoc adds document d to pair id.
func (x *Index) addDoc(id, d int32) {
	p := x.pairs.at(id)
	switch {
	case p.post == -1:
		p.post = d
	case p.post >= 0:
		l := []int32{p.post, d}
		if d < p.post {
			l[0], l[1] = d, p.post
		}
		p.post = x.newMulti(l)
	default:
		m := -p.post - 2
		l := x.multi[m]
		if n := len(l); n == 0 || l[n-1] < d {
			x.multi[m] = append(l, d)
			return
		}
		i, found := slices.BinarySearch(l, d)
		if !found {
			x.multi[m] = slices.Insert(l, i, d)
		}
	}
}

// removeDoc removes document d from pair id; a pair left without documents
// dies.
func (x *Index) removeDoc(id, d int32) {
	p := x.pairs.at(id)
	switch {
	case p.post == d:
		p.post = -1
	case p.post >= 0 || p.post == -1:
		return
	default:
		m := -p.post - 2
		l := x.multi[m]
		i, found := slices.BinarySearch(l, d)
		if !found {
			return
		}
		l = slices.Delete(l, i, i+1)
		if len(l) > 1 {
			x.multi[m] = l
			return
		}
		p.post = l[0]
		x.multi[m] = nil
		x.freeMulti = append(x.freeMulti, m)
		return
	}
	x.killPair(id)
}

func (x *Index) newMulti(l []int32) int32 {
	if n := len(x.freeMulti); n > 0 {
		m := x.freeMulti[n-1]
		x.freeMulti = x.freeMulti[:n-1]
		x.multi[m] = l
		return -m - 2
	}
	x.multi = append(x.multi, l)
	return -int32(len(x.multi)-1) - 2
}

// killPair retires a pair that no document has. Its id returns to the free
// list only when its key's pair list is compacted, so that no list ever
// holds a reused id twice.
func (x *Index) killPair(id int32) {
	x.textDrop(id)
	p := x.pairs.at(id)
	k := &x.keys[p.key()]
	if k.null == id {
		k.null = -1
	} else {
		x.unlink(id)
	}
	if p.kf&flagSide != 0 {
		delete(x.origs, id)
	}
	p.off, p.n, p.kf = 0, 0, -1
	k.dead++
	if k.dead > 32 && int(k.dead) > len(k.pairs)/2 {
		live := k.pairs[:0]
		for _, q := range k.pairs {
			if x.pairs.at(q).kf < 0 {
				x.freePairs = append(x.freePairs, q)
			} else {
				live = append(live, q)
			}
		}
		clear(k.pairs[len(live):])
		k.pairs = slices.Clip(live)
		k.dead = 0
	}
}

// docsOf returns the documents of pair id. A single document is returned in
// one, which the caller provides, so that the common case allocates nothing.
func (x *Index) docsOf(id int32, one *[1]int32) []int32 {
	p := x.pairs.at(id)
	switch {
	case p.post >= 0:
		one[0] = p.post
		return one[:]
	case p.post == -1:
		return nil
	default:
		return x.multi[-p.post-2]
	}
}

// count returns how many documents have pair id.
func (x *Index) count(id int32) int {
	p := x.pairs.at(id)
	switch {
	case p.post >= 0:
		return 1
	case p.post == -1:
		return 0
	default:
		return len(x.multi[-p.post-2])
	}
}
