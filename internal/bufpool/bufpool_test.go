package bufpool_test

import (
	"testing"

	"callboard/internal/bufpool"
)

func TestGetIsEmptyAndPutKeepsOnlySmallBuffers(t *testing.T) {
	p := bufpool.New(64)
	b := p.Get()
	if len(*b) != 0 {
		t.Fatalf("Get: len %d, want 0", len(*b))
	}
	*b = append(*b, "some bytes"...)
	p.Put(b)
	if again := p.Get(); len(*again) != 0 {
		t.Errorf("Get after Put: len %d, want 0", len(*again))
	}
	big := p.Get()
	*big = make([]byte, 0, 1024)
	p.Put(big) // dropped: over the bound
	for range 10 {
		if c := cap(*p.Get()); c > 64 {
			t.Fatalf("Get returned a %d-byte buffer; the pool keeps at most 64", c)
		}
	}
}
