package store_test

import (
	"bytes"
	"testing"

	"callboard"
	"callboard/store/storetest"
)

// TestCatalogSnapshot: NotFound until saved; a save replaces the previous
// snapshot whole, bytes unchanged (zero bytes and large ones included).
func TestCatalogSnapshot(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			if _, _, err := db.CatalogSnapshot(ctx); callboard.ErrorKind(err) != callboard.NotFound {
				t.Fatalf("CatalogSnapshot before any save: %v, want NotFound", err)
			}
			big := bytes.Repeat([]byte{0, 1, 2, 255, 'x'}, 1<<20)
			for i, data := range [][]byte{[]byte("first\x00snapshot"), big, {}} {
				seq := int64(10 + i)
				if err := db.SaveCatalogSnapshot(ctx, seq, data); err != nil {
					t.Fatal(err)
				}
				gotSeq, got, err := db.CatalogSnapshot(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if gotSeq != seq || !bytes.Equal(got, data) {
					t.Errorf("save %d: CatalogSnapshot = %d, %d bytes, want %d, %d bytes", i, gotSeq, len(got), seq, len(data))
				}
			}
		})
	}
}
