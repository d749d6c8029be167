// Package bufpool keeps byte buffers for reuse, so that the scratch bytes
// of a hot path (a page of entity bodies, an entity's JSON to hash or
// compress) are not garbage on every request or entity.
package bufpool

import "sync"

// A Pool holds buffers of at most max bytes of capacity; larger ones are
// left to the collector, so that one huge request does not pin its
// buffer.
type Pool struct {
	p   sync.Pool // of *[]byte
	max int
}

// New returns a pool keeping buffers of up to max bytes.
func New(max int) *Pool { return &Pool{max: max} }

// Get returns an empty buffer. Append to *b, store what append returns in
// *b, and Put b back when done with the bytes.
func (p *Pool) Get() *[]byte {
	if b, ok := p.p.Get().(*[]byte); ok {
		*b = (*b)[:0]
		return b
	}
	return new([]byte)
}

// Put returns b for reuse unless it grew past the pool's bound.
func (p *Pool) Put(b *[]byte) {
	if cap(*b) <= p.max {
		p.p.Put(b)
	}
}
