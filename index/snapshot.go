package index

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"

	"callboard/internal/strarena"
	"callboard/internal/varcodec"
)

// A snapshot is the index in a compact binary form, so that a restart
// rebuilds it without decoding an entity: the keys, the live pairs
// (renumbered densely, in id order) and each document's uid and rows.
// Posting lists, the pair table and the uid map are derived on Restore.
// Integers are uvarints; strings are a length and bytes; a document's rows
// are gaps between its sorted pair ids.
const snapshotMagic = "callboard index snapshot 1\n"

// Pair kinds in a snapshot.
const (
	snapNull = iota // the key's null pair
	snapSame        // original value = lowercased value
	snapOrig        // original value of the same length (flagOrig)
	snapSide        // original value of another length (flagSide)
)

// WriteSnapshot writes the index to w. It holds the read lock while it
// writes, so queries go on and writes wait.
func (x *Index) WriteSnapshot(w io.Writer) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	bw := bufio.NewWriterSize(w, 256<<10)
	e := &varcodec.Encoder{W: bw}
	e.Str(snapshotMagic)
	e.Uint(uint64(len(x.keys)))
	for _, k := range x.keys {
		e.Str(k.name)
	}
	renum := make([]int32, x.pairs.len())
	live := 0
	for id := range int32(x.pairs.len()) {
		if x.pairs.at(id).kf < 0 {
			renum[id] = -1
			continue
		}
		renum[id] = int32(live)
		live++
	}
	e.Uint(uint64(live))
	for id := range int32(x.pairs.len()) {
		p := x.pairs.at(id)
		if p.kf < 0 {
			continue
		}
		k := p.key()
		e.Uint(uint64(k))
		switch {
		case x.keys[k].null == int32(id):
			e.Uint(snapNull)
		case p.kf&flagOrig != 0:
			e.Uint(snapOrig)
			e.Str(x.value(p))
		case p.kf&flagSide != 0:
			e.Uint(snapSide)
			e.Str(x.value(p))
			e.Str(x.origs[int32(id)])
		default:
			e.Uint(snapSame)
			e.Str(x.value(p))
		}
	}
	e.Uint(uint64(len(x.byUID)))
	for o := range x.docs {
		d := &x.docs[o]
		if d.uid == "" {
			continue
		}
		e.Str(d.uid)
		e.Uint(uint64(len(d.rows)))
		prev := int32(-1)
		for _, id := range d.rows {
			n := renum[id] // renumbering keeps the order of live ids
			e.Uint(uint64(n - prev))
			prev = n
		}
	}
	if e.Err != nil {
		return e.Err
	}
	return bw.Flush()
}

// Restore replaces the content of the index with the snapshot read from r.
// On error the index is left empty. Anything else that put derives from an
// entity must be written by WriteSnapshot or rebuilt here: the churn test
// compares a restored index with a fresh one.
func (x *Index) Restore(r io.Reader) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	err := x.restore(bufio.NewReaderSize(r, 256<<10))
	if err != nil {
		x.reset()
		return fmt.Errorf("index snapshot: %w", err)
	}
	return nil
}

// Clear empties the index.
func (x *Index) Clear() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.reset()
}

// reset empties the index. The caller holds the write lock.
func (x *Index) reset() {
	x.docs, x.free, x.keys, x.pairs = nil, nil, nil, pairList{}
	x.byUID, x.keyIDs, x.origs = map[string]int32{}, map[string]int32{}, map[int32]string{}
	x.table = pairTable{seed: x.table.seed}
	x.freePairs, x.multi, x.freeMulti = nil, nil, nil
	x.text = textIndex{}
	x.gen++
	x.uidGen++
}

func (x *Index) restore(r *bufio.Reader) error {
	x.reset()
	d := &varcodec.Decoder{R: r}
	if d.Str() != snapshotMagic || d.Err != nil {
		return errors.Join(errors.New("not an index snapshot of this version"), d.Err)
	}
	nkeys := d.Count(math.MaxInt32)
	x.keys = make([]keyInfo, 0, nkeys)
	x.keyIDs = make(map[string]int32, nkeys)
	for range nkeys {
		name := d.Str()
		x.keyIDs[name] = int32(len(x.keys))
		x.keys = append(x.keys, keyInfo{name: name, null: -1})
	}
	npairs := d.Count(keyMask)
	x.pairs = makePairList(npairs)
	var arena strarena.Arena
	values := 0
	for id := range npairs {
		k := d.Count(math.MaxInt32)
		if k >= nkeys {
			return errors.New("a pair of an unknown key")
		}
		p := x.pairs.at(int32(id))
		p.kf, p.post = int32(k), -1
		switch d.Uint() {
		case snapNull:
			if x.keys[k].null >= 0 {
				return errors.New("a key with two null pairs")
			}
			x.keys[k].null = int32(id)
		case snapSame:
			p.off, p.n = x.values.read(d)
			values++
		case snapOrig:
			p.off, p.n = x.values.read(d)
			p.kf |= flagOrig
			values++
		case snapSide:
			p.off, p.n = x.values.read(d)
			p.kf |= flagSide
			x.origs[int32(id)] = d.StrIn(&arena)
			values++
		default:
			return errors.New("unknown pair kind")
		}
		if d.Err != nil {
			return d.Err
		}
	}
	// The keys' pair lists, allocated at their final size.
	perKey := make([]int32, nkeys)
	for id := range int32(x.pairs.len()) {
		perKey[x.pairs.at(id).kf&keyMask]++
	}
	for k := range x.keys {
		x.keys[k].pairs = make([]int32, 0, perKey[k])
	}
	for id := range int32(x.pairs.len()) {
		k := &x.keys[x.pairs.at(id).kf&keyMask]
		k.pairs = append(k.pairs, int32(id))
	}
	x.fillTable(values)
	for id := range int32(x.pairs.len()) {
		x.textAdd(int32(id)) // the n-gram postings are derived, not stored
	}

	ndocs := d.Count(math.MaxInt32)
	x.docs = make([]doc, ndocs)
	x.byUID = make(map[string]int32, ndocs)
	counts := make([]int32, npairs)
	var rows rowArena
	for o := range ndocs {
		uid := d.Str()
		n := d.Count(npairs)
		ids := rows.take(n)
		prev := int64(-1)
		for i := range ids {
			prev += int64(d.Uint())
			if prev >= int64(npairs) || (i > 0 && int32(prev) == ids[i-1]) {
				return errors.New("a row out of range")
			}
			ids[i] = int32(prev)
			counts[prev]++
		}
		if d.Err != nil {
			return d.Err
		}
		if _, dup := x.byUID[uid]; dup || uid == "" {
			return errors.New("an empty or repeated uid")
		}
		x.docs[o] = doc{uid: x.internedUID(uid), rows: ids}
		x.byUID[x.docs[o].uid] = int32(o)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return errors.New("trailing bytes")
	}
	// Posting lists at their final size, filled in ordinal order.
	for id, c := range counts {
		if c > 1 {
			x.pairs.at(int32(id)).post = x.newMulti(make([]int32, 0, c))
		}
	}
	for o := range x.docs {
		for _, id := range x.docs[o].rows {
			p := x.pairs.at(id)
			if p.post >= -1 {
				p.post = int32(o)
			} else {
				m := -p.post - 2
				x.multi[m] = append(x.multi[m], int32(o))
			}
		}
	}
	x.gen++
	x.uidGen++
	return nil
}

// fillTable sizes the pair table for n value pairs and inserts them all;
// they are known to be distinct.
func (x *Index) fillTable(n int) {
	t := &x.table
	size := 1024
	for size/2 < n+1 { // as growTable sizes it
		size *= 2
	}
	t.slots, t.tags, t.n = make([]int32, size), make([]uint8, size), n
	mask := uint64(size - 1)
	for id := range int32(x.pairs.len()) {
		p := x.pairs.at(id)
		if x.keys[p.key()].null == int32(id) {
			continue
		}
		h := t.hash(p.key(), x.lower(p))
		i := h & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i], t.tags[i] = int32(id)+1, tagOf(h)
	}
}
