package store_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"callboard"
	"callboard/store/storetest"
)

// TestCatalogSnapshot: NotFound until saved; a save replaces the previous
// snapshot whole and reads back unchanged, whatever its size (empty, one
// part, several); a save whose source fails keeps the previous one.
func TestCatalogSnapshot(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			if _, _, err := db.CatalogSnapshot(ctx); callboard.ErrorKind(err) != callboard.NotFound {
				t.Fatalf("CatalogSnapshot before any save: %v, want NotFound", err)
			}
			read := func() (int64, []byte) {
				t.Helper()
				seq, r, err := db.CatalogSnapshot(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				data, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				return seq, data
			}
			big := bytes.Repeat([]byte{0, 1, 2, 255, 'x'}, 1<<20) // five parts
			for i, data := range [][]byte{[]byte("first\x00snapshot"), big, {}, big[:1<<20]} {
				seq := int64(10 + i)
				if err := db.SaveCatalogSnapshot(ctx, seq, bytes.NewReader(data)); err != nil {
					t.Fatal(err)
				}
				if gotSeq, got := read(); gotSeq != seq || !bytes.Equal(got, data) {
					t.Errorf("save %d: CatalogSnapshot = %d, %d bytes, want %d, %d bytes", i, gotSeq, len(got), seq, len(data))
				}
			}
			failing := io.MultiReader(bytes.NewReader(big[:3<<20]), errReader{})
			if err := db.SaveCatalogSnapshot(ctx, 99, failing); err == nil {
				t.Error("SaveCatalogSnapshot from a failing source succeeded")
			}
			if gotSeq, got := read(); gotSeq != 13 || !bytes.Equal(got, big[:1<<20]) {
				t.Errorf("after a failed save: CatalogSnapshot = %d, %d bytes, want the previous one", gotSeq, len(got))
			}
		})
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk gone") }
