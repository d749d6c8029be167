package index

import "encoding/binary"

// A postingList is a sorted set of distinct pair ids stored as the uvarint
// gaps between them (the first gap is from -1), about 1.3 bytes an id in
// the n-gram index instead of 4: values of one key are created in id
// order, so the ids under a common trigram lie close together. Ids are
// mostly added at the end; adding or removing one elsewhere rewrites the
// bytes after it.
type postingList struct {
	data []byte
	last int32 // the largest id; meaningless when n == 0
	n    int32 // ids in the list
}

// add inserts id; it reports false when id was there already.
func (l *postingList) add(id int32) bool {
	if l.n == 0 || id > l.last {
		prev := int32(-1)
		if l.n > 0 {
			prev = l.last
		}
		l.data = appendUvarintGrow(l.data, uint64(id-prev))
		l.last, l.n = id, l.n+1
		return true
	}
	// Find the first id above id and split its gap in two.
	prev, off := int32(-1), 0
	for off < len(l.data) {
		g, k := binary.Uvarint(l.data[off:])
		cur := prev + int32(g)
		if cur == id {
			return false
		}
		if cur > id {
			var buf [2 * binary.MaxVarintLen32]byte
			b := binary.AppendUvarint(buf[:0], uint64(id-prev))
			b = binary.AppendUvarint(b, uint64(cur-id))
			l.data = splice(l.data, off, off+k, b)
			l.n++
			return true
		}
		prev, off = cur, off+k
	}
	return false // not reached: id < l.last
}

// remove deletes id; it reports false when id was not there.
func (l *postingList) remove(id int32) bool {
	if l.n == 0 || id > l.last {
		return false
	}
	prev, off := int32(-1), 0
	for off < len(l.data) {
		g, k := binary.Uvarint(l.data[off:])
		cur := prev + int32(g)
		if cur > id {
			return false
		}
		if cur < id {
			prev, off = cur, off+k
			continue
		}
		l.n--
		if off+k == len(l.data) { // the last id
			l.data, l.last = l.data[:off], prev
		} else {
			// Merge id's gap into the next one.
			g2, k2 := binary.Uvarint(l.data[off+k:])
			var buf [binary.MaxVarintLen64]byte
			l.data = splice(l.data, off, off+k+k2, binary.AppendUvarint(buf[:0], g+g2))
		}
		if cap(l.data) > 64 && cap(l.data) > 4*len(l.data) {
			l.data = append([]byte(nil), l.data...)
		}
		return true
	}
	return false
}

// appendTo appends the ids of l to dst in ascending order.
func (l *postingList) appendTo(dst []int32) []int32 {
	prev := int32(-1)
	d := l.data
	for off := 0; off < len(d); {
		if c := d[off]; c < 0x80 {
			prev += int32(c)
			off++
		} else {
			g, k := binary.Uvarint(d[off:])
			prev += int32(g)
			off += k
		}
		dst = append(dst, prev)
	}
	return dst
}

// keepIn keeps the members of the sorted m that are also in l, in place.
func (l *postingList) keepIn(m []int32) []int32 {
	out := m[:0]
	prev := int32(-1)
	d := l.data
	off, i := 0, 0
	for off < len(d) && i < len(m) {
		if c := d[off]; c < 0x80 {
			prev += int32(c)
			off++
		} else {
			g, k := binary.Uvarint(d[off:])
			prev += int32(g)
			off += k
		}
		for i < len(m) && m[i] < prev {
			i++
		}
		if i < len(m) && m[i] == prev {
			out = append(out, prev)
			i++
		}
	}
	return out
}

// splice replaces b[from:to] with r.
func splice(b []byte, from, to int, r []byte) []byte {
	tail := len(b) - to
	n := from + len(r) + tail
	if n > cap(b) {
		nb := make([]byte, n, n+n/8+8)
		copy(nb, b[:from])
		copy(nb[from:], r)
		copy(nb[from+len(r):], b[to:])
		return nb
	}
	old := b
	b = b[:n]
	copy(b[from+len(r):], old[to:to+tail]) // copy moves overlapping bytes right
	copy(b[from:], r)
	return b
}

// appendUvarintGrow appends v as a uvarint, growing a full b by an eighth
// rather than doubling it: most lists stop growing once the catalog is
// loaded, and doubling would leave a third of their bytes unused.
func appendUvarintGrow(b []byte, v uint64) []byte {
	var buf [binary.MaxVarintLen64]byte
	e := binary.AppendUvarint(buf[:0], v)
	if cap(b)-len(b) < len(e) {
		nb := make([]byte, len(b), len(b)+len(e)+len(b)/8)
		copy(nb, b)
		b = nb
	}
	return append(b, e...)
}
