package index

// pairBits sets the size of pairList's blocks: 4,096 pairs, 64 KiB.
const (
	pairBits  = 12
	pairBlock = 1 << pairBits
	pairMask  = pairBlock - 1
)

// A pairList holds the pairs by id in fixed blocks. A slice of 14 million
// pairs (a catalog of 1M entities) re-grown by append copied some 1 GB over
// the ingest, and held the old and the new array at once when it grew: a
// peak of 400 MB for 224 MB of pairs. Blocks are never copied. A block is
// an array, so that at checks one bound, not two.
type pairList struct {
	blocks []*[pairBlock]pair
	n      int
}

// at returns the pair of id, which must be below len.
func (l *pairList) at(id int32) *pair { return &l.blocks[id>>pairBits][id&pairMask] }

func (l *pairList) len() int { return l.n }

// add appends p and returns its id.
func (l *pairList) add(p pair) int32 {
	id := int32(l.n)
	if l.n == len(l.blocks)*pairBlock {
		l.blocks = append(l.blocks, new([pairBlock]pair))
	}
	*l.at(id) = p
	l.n++
	return id
}

// makePairList returns a list of n zero pairs (a snapshot's restore).
func makePairList(n int) pairList {
	l := pairList{n: n}
	for range (n + pairMask) / pairBlock {
		l.blocks = append(l.blocks, new([pairBlock]pair))
	}
	return l
}
