package web

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"callboard"
	"callboard/index"
)

// Cursors are opaque to clients but are not secret: each carries the query
// it continues, and the server checks it as strictly as the parameters it
// stands for. Its sum binds the query to the use and position it was made
// for, so a cursor edited by hand, cut from another query or endpoint, or
// of another shape ({"a":1}, null) is refused with an InputError. The sum
// has no key, which keeps cursors valid across restarts and replicas; a
// client that forges a consistent cursor gets nothing it could not ask for
// with parameters, since every part is checked and bounded again.

// Cursor uses: the same shape serves two endpoints, and the sum tells them
// apart.
const (
	useByQuery = "by-query" // GET /entities/by-query cursor=
	useList    = "list"     // GET /entities after=
)

// queryCursor is the cursor of GET /entities/by-query and the after= of
// GET /entities.
type queryCursor struct {
	Filter      []string `json:"f,omitempty"`
	Order       []string `json:"o,omitempty"`  // orderField values
	LegacyOrder []string `json:"lo,omitempty"` // order values (GET /entities)
	Term        string   `json:"t,omitempty"`
	TextFields  []string `json:"tf,omitempty"`
	Offset      int      `json:"off"`
	Total       int      `json:"tot,omitempty"`
	Sum         string   `json:"sum"`
}

// sameQuery reports whether c and o continue the same query.
func (c *queryCursor) sameQuery(o *queryCursor) bool {
	return slices.Equal(c.Filter, o.Filter) && slices.Equal(c.Order, o.Order) && slices.Equal(c.LegacyOrder, o.LegacyOrder) &&
		c.Term == o.Term && slices.Equal(c.TextFields, o.TextFields)
}

func (c *queryCursor) encode(use string) string {
	n := *c
	n.Sum = ""
	n.Sum = cursorSum(use, &n)
	b, _ := json.Marshal(&n)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeQueryCursor reads a cursor that encode made for use.
func decodeQueryCursor(s, use string) (*queryCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, malformedCursor("it is not base64url")
	}
	var c queryCursor
	if err := decodeStrict(b, &c, "off", "sum"); err != nil {
		return nil, err
	}
	if err := checkSum(use, &c, &c.Sum); err != nil {
		return nil, err
	}
	if c.Offset < 0 {
		return nil, malformedCursor("its offset is negative")
	}
	return &c, nil
}

// query turns the cursor back into an index query, checking each part as
// the parameters it came from are checked.
func (c *queryCursor) query() (index.Query, error) {
	f, err := index.ParseFilters(c.Filter)
	if err != nil {
		return index.Query{}, err
	}
	textFields, err := parsePaths("fullTextFilterFields", c.TextFields, maxFields)
	if err != nil {
		return index.Query{}, err
	}
	q := index.Query{Filter: f, Offset: c.Offset, FullText: index.FullText{Term: c.Term, Fields: textFields}}
	if q.Order, err = parseOrderFields(c.Order); err != nil {
		return q, err
	}
	legacy, err := parseLegacyOrder(c.LegacyOrder)
	if err != nil {
		return q, err
	}
	q.Order = append(q.Order, legacy...)
	return q, nil
}

// predicateCursor is the cursor of POST /entities/by-query and POST
// /locations/by-query. Backstage's client tells it from a GET cursor by
// the presence of "query", so the key is always there.
type predicateCursor struct {
	Query    any            `json:"query"`
	OrderBy  []orderBy      `json:"orderBy,omitempty"`
	FullText *fullTextQuery `json:"fullTextFilter,omitempty"`
	Offset   int            `json:"offset"`
	Sum      string         `json:"sum"`
}

// Uses of predicate cursors.
const (
	usePredicate = "predicate" // POST /entities/by-query
	useLocations = "locations" // POST /locations/by-query
)

func (c *predicateCursor) encode(use string) string {
	n := *c
	n.Sum = ""
	n.Sum = cursorSum(use, &n)
	b, _ := json.Marshal(&n)
	return base64.StdEncoding.EncodeToString(b)
}

// sameQuery reports whether c continues the query of a request body's
// query, orderBy and fullTextFilter.
func (c *predicateCursor) sameQuery(query any, order []orderBy, text *fullTextQuery) bool {
	a, _ := json.Marshal([]any{c.Query, c.OrderBy, c.FullText})
	b, _ := json.Marshal([]any{query, order, text})
	return bytes.Equal(a, b)
}

func decodePredicateCursor(s, use string) (*predicateCursor, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, malformedCursor("it is not base64")
	}
	var c predicateCursor
	if err := decodeStrict(b, &c, "query", "offset", "sum"); err != nil {
		return nil, err
	}
	if err := checkSum(use, &c, &c.Sum); err != nil {
		return nil, err
	}
	if c.Offset < 0 {
		return nil, malformedCursor("its offset is negative")
	}
	return &c, nil
}

// cursorSum is the sum of a cursor (with an empty Sum) made for use.
func cursorSum(use string, c any) string {
	b, _ := json.Marshal(c)
	h := sha256.Sum256(append([]byte("callboard cursor\x00"+use+"\x00"), b...))
	return base64.RawURLEncoding.EncodeToString(h[:18])
}

// checkSum compares a decoded cursor's sum, which sum points at, with the
// one encode would have given it.
func checkSum(use string, c any, sum *string) error {
	got := *sum
	*sum = ""
	want := cursorSum(use, c)
	*sum = got
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return malformedCursor("it was not made by this endpoint for the query it carries")
	}
	return nil
}

// decodeStrict decodes a JSON object holding the required keys and no
// unknown ones into v.
func decodeStrict(b []byte, v any, required ...string) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil || keys == nil {
		return malformedCursor("it is not a JSON object")
	}
	for _, k := range required {
		if _, ok := keys[k]; !ok {
			return malformedCursor("it has no " + k)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformedCursor("it does not have the shape of a cursor")
	}
	return nil
}

func malformedCursor(why string) error {
	return callboard.Errorf(callboard.Invalid, "Malformed cursor: %s; start again without a cursor", why)
}

// errOtherQuery answers a cursor sent with query parameters that differ
// from the query the cursor continues.
func errOtherQuery(params string) error {
	return callboard.Errorf(callboard.Invalid,
		"Malformed cursor: it was made for another query; send the cursor without %s, or start again without the cursor", params)
}
