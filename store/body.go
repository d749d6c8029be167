package store

import (
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"

	"callboard/internal/bufpool"
)

// On SQLite, entity bodies are stored compressed (S2, Snappy's successor,
// with a preset dictionary of the words every Backstage entity repeats;
// dialect.compressBodies). Each SQLite commit writes whole pages, to the
// WAL and again to the database, so the size of the bodies is most of what
// an ingest writes: at 100,000 entities the JSON bodies were 109 MB of a
// 188 MB table, and 43 MB compressed, for 0.3 s of CPU (0.1 s to read them
// back). Deflate with the same dictionary made 33 MB but cost 3 s: it
// clears its hash tables for each body. A compressed body starts with
// bodyCompressed; a JSON body with '{'. Nothing queries bodies in SQL.
// PostgreSQL compresses large values itself (TOAST) and keeps JSON.

// bodyCompressed marks a body compressed with bodyDict. The dictionary must
// never change: another dictionary needs another mark. maxCompressed is the
// largest body compressed (S2 blocks hold 4 MiB); larger ones stay JSON.
const (
	bodyCompressed = 0x01
	maxCompressed  = 1 << 20
)

// bodyDict is the preset dictionary: keys and values common to Backstage
// entities, as encoding/json writes callboard.Entity, the commonest last.
// TestBodyDict pins its bytes.
var bodyDict = s2.MakeDict(bodyDictText, []byte(`{"apiVersion":"backstage.io/v1alpha1","kind":"`))

var bodyDictText = []byte(`"spec":{"type":"website","lifecycle":"deprecated","definition":"openapi: 3.0.0\ninfo:\n  title: ` +
	`","profile":{"displayName":"","email":"","picture":"https://"},"memberOf":["group:default/"],"children":[],"parent":"` +
	`"links":[{"url":"https://","title":"","icon":"dashboard"}],"labels":{},"title":"` +
	`"kind":"Resource","kind":"System","kind":"Domain","kind":"Group","kind":"User","kind":"Location","kind":"Template",` +
	`"kind":"API","spec":{"type":"openapi","lifecycle":"production","owner":"group:default/","system":"","definition":"` +
	`"backstage.io/techdocs-ref":"dir:.","backstage.io/view-url":"https://github.com/","backstage.io/source-location":"url:https://github.com/",` +
	`"github.com/project-slug":"","backstage.io/edit-url":"","tags":["java","python","go","typescript"],` +
	`"spec":{"type":"team","domain":"","providesApis":["api:default/"],"consumesApis":["api:default/"],"dependsOn":["component:default/","resource:default/"],` +
	`"lifecycle":"experimental","owner":"group:default/","system":"system:default/","type":"service","type":"library"}}` +
	`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"uid":"","etag":"","name":"","namespace":"default","description":"",` +
	`"annotations":{"backstage.io/managed-by-location":"file:/catalog-info.yaml","backstage.io/managed-by-origin-location":"file:/catalog-info.yaml"},"tags":["`)

// compressBody returns body, a JSON object, compressed and marked, or a
// copy of body when it is too large. It compresses into the room after
// body and leaves *scratch holding that grown buffer, to reuse.
func compressBody(body []byte, scratch *[]byte) []byte {
	if len(body) > maxCompressed {
		return slices.Clone(body)
	}
	need := len(body) + 1 + s2.MaxEncodedLen(len(body))
	buf := slices.Grow(body, need-len(body))
	enc := buf[len(body):need]
	enc[0] = bodyCompressed
	n := len(bodyDict.Encode(enc[1:], body)) // in place: enc is large enough
	*scratch = buf
	// Exactly the compressed bytes, held until written.
	return slices.Clone(enc[:1+n])
}

// encodeBufs holds the buffers bodies are encoded and compressed in.
var encodeBufs = bufpool.New(1 << 20)

// appendExpanded appends the JSON of stored body b to dst.
func appendExpanded(dst, b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != bodyCompressed {
		return append(dst, b...), nil
	}
	n, err := s2.DecodedLen(b[1:])
	if err != nil {
		return dst, fmt.Errorf("expand body: %w", err)
	}
	dst = slices.Grow(dst, n)
	out, err := bodyDict.Decode(dst[len(dst):len(dst)+n], b[1:])
	if err != nil {
		return dst, fmt.Errorf("expand body: %w", err)
	}
	return dst[:len(dst)+len(out)], nil
}

// expandBody returns the JSON of a stored body: b itself unless it is
// compressed.
func expandBody(b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != bodyCompressed {
		return b, nil
	}
	out, err := bodyDict.Decode(nil, b[1:])
	if err != nil {
		return nil, fmt.Errorf("expand body: %w", err)
	}
	return out, nil
}
