package index_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/index"
)

// TestChurnMatchesFresh puts, replaces, renames and deletes at random, then
// checks that every query answers as an index built afresh from the final
// entities does: stale postings, reused ordinals and pairs, and hash table
// deletions all show up as differences here.
func TestChurnMatchesFresh(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	es := generate(3000)
	live := map[string]*callboard.Entity{} // by uid
	x := index.New()
	put := func(e *callboard.Entity) {
		x.Put(e)
		for uid, o := range live {
			if o.Ref() == e.Ref() && uid != e.Metadata.UID {
				delete(live, uid) // the index replaces same-ref documents
			}
		}
		live[e.Metadata.UID] = e
	}
	for _, e := range es {
		put(e)
	}
	for i := range 6000 {
		e := es[r.IntN(len(es))]
		cur, ok := live[e.Metadata.UID]
		if !ok {
			put(e) // back again
			continue
		}
		c := *cur
		if r.IntN(6) == 0 { // only the relations change
			c.Relations = []callboard.Relation{{Type: "ownedBy", TargetRef: fmt.Sprint("group:default/team-", r.IntN(8))}}
			x.SetRelations(c.Metadata.UID, c.Relations)
			live[c.Metadata.UID] = &c
			continue
		}
		c.Metadata.Tags = []string{fmt.Sprint("t", r.IntN(20)), "Shared"}
		c.Spec = map[string]any{"type": fmt.Sprint("type-", r.IntN(5)), "n": i % 3}
		switch r.IntN(5) {
		case 0:
			x.Delete(c.Metadata.UID)
			delete(live, c.Metadata.UID)
			continue
		case 1: // same ref, new uid
			delete(live, c.Metadata.UID)
			c.Metadata.UID = fmt.Sprint("new-", i)
		case 2: // rename
			c.Metadata.Name = fmt.Sprint("renamed-", i)
			c.Metadata.Title = fmt.Sprint("Renamed ", i)
		case 3: // new text, some of it Chinese
			c.Metadata.Description = fmt.Sprint([]string{"支付服务", "Payments ", "退款 refunds ", ""}[r.IntN(4)], i%50)
		}
		put(&c)
	}

	fresh := index.New()
	final := make([]*callboard.Entity, 0, len(live))
	for _, e := range live {
		final = append(final, e)
	}
	fresh.PutMany(final)
	if x.Len() != fresh.Len() {
		t.Fatalf("Len() = %d, fresh %d", x.Len(), fresh.Len())
	}

	compareIndexes(t, "churned", fresh, x, live)

	// A snapshot of the churned index answers the same, and goes on doing
	// so through more churn.
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	restored := index.New()
	restored.Put(es[0]) // replaced by the snapshot
	if err := restored.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	compareIndexes(t, "restored", fresh, restored, live)
	for i := range 2000 {
		e := es[r.IntN(len(es))]
		c := *e
		c.Metadata.Tags = []string{fmt.Sprint("t", r.IntN(20))}
		c.Metadata.Title = fmt.Sprint("Again ", i%50)
		if r.IntN(4) == 0 {
			restored.Delete(c.Metadata.UID)
			x.Delete(c.Metadata.UID)
			continue
		}
		restored.Put(&c)
		x.Put(&c)
	}
	compareIndexes(t, "churned after restore", x, restored, nil)
}

// TestRestoreRejectsDamage: a truncated or altered snapshot is an error
// and leaves the index empty, never half-loaded.
func TestRestoreRejectsDamage(t *testing.T) {
	x := index.New()
	x.PutMany(generate(200))
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	for _, bad := range [][]byte{nil, b[:len(b)/2], b[:len(b)-1], append(append([]byte{}, b...), 0), append([]byte("x"), b[1:]...)} {
		y := index.New()
		if err := y.Restore(bytes.NewReader(bad)); err == nil {
			t.Errorf("Restore of %d damaged bytes succeeded", len(bad))
		}
		if y.Len() != 0 {
			t.Errorf("Len() after a failed Restore = %d, want 0", y.Len())
		}
	}
}

// compareIndexes checks that got answers every query as want does, and
// finds each uid of live (when given) by its ref.
func compareIndexes(t *testing.T, name string, want, got *index.Index, live map[string]*callboard.Entity) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("%s: Len() = %d, want %d", name, got.Len(), want.Len())
	}
	var queries []index.Query
	for _, f := range [][]string{
		nil, {"kind=component"}, {"kind=user", "kind=group"}, {"spec.type=type-1"}, {"spec.type=service"},
		{"metadata.tags.shared,spec.type=type-2"}, {"metadata.tags=t3", "metadata.tags=t4"}, {"spec.n=1"},
		{"relations.ownedby=group:default/team-3"}, {"relations.ownedby=group:default/team-7"}, {"metadata.annotations.backstage.io/techdocs-ref"},
		{"spec.definition"}, {"metadata.title"},
	} {
		for _, o := range [][]index.Order{nil, {{Field: "metadata.name"}}, {{Field: "metadata.title", Desc: true}}} {
			queries = append(queries,
				index.Query{Filter: mustFilter(t, f...), Order: o, Offset: 3, Limit: 50},
				index.Query{Filter: mustFilter(t, f...), Order: o, FullText: index.FullText{Term: "re", Fields: []string{"metadata.name", "metadata.title"}}})
		}
	}
	for _, term := range []string{"renamed-1", "Renamed 2", "支付", "退", "payments 4", "ments", "1", "42", "the", "team-3"} {
		queries = append(queries,
			index.Query{FullText: index.FullText{Term: term, Fields: []string{"metadata.name", "metadata.title", "metadata.description"}}},
			index.Query{Filter: mustFilter(t, "kind=component"), Limit: 20,
				FullText: index.FullText{Term: term, Fields: []string{"metadata.description", "spec.type"}}},
			index.Query{Offset: 5, Limit: 10, Order: []index.Order{{Field: "metadata.name", Desc: true}},
				FullText: index.FullText{Term: term, Fields: []string{"metadata.title", "relations.ownedby"}}})
	}
	for _, y := range []*index.Index{want, got} {
		if err := index.CheckText(y); err != nil {
			t.Error(err)
		}
	}
	for _, q := range queries {
		g, err := got.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := want.Query(q)
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%s: Query(%+v) differs (-want +got):\n%s", name, q, diff)
		}
	}
	facets := []string{"kind", "spec.type", "metadata.tags", "relations.ownedBy", "spec.n"}
	if diff := cmp.Diff(want.Facets(facets, nil), got.Facets(facets, nil)); diff != "" {
		t.Errorf("%s: Facets differ (-want +got):\n%s", name, diff)
	}
	uids := []string{"no-such-uid"}
	for uid := range live {
		uids = append(uids, uid)
	}
	for i, ref := range got.RefsByUID(uids) {
		if w, _ := got.RefByUID(uids[i]); ref != w {
			t.Errorf("%s: RefsByUID: %s has %q, RefByUID %q", name, uids[i], ref, w)
		}
	}
	for uid, e := range live {
		ref := e.Ref().String()
		if u, ok := got.UIDByRef(ref); !ok || u != uid {
			t.Errorf("%s: UIDByRef(%s) = %q, %v, want %q", name, ref, u, ok, uid)
		}
		if r, _ := got.RefByUID(uid); r != ref {
			t.Errorf("%s: RefByUID(%s) = %q, want %q", name, uid, r, ref)
		}
	}
}

// TestMassDelete empties the index twice over, which retires and reuses
// ordinals, pairs and posting lists.
func TestMassDelete(t *testing.T) {
	x := index.New()
	for round := range 3 {
		for i := range 1000 {
			x.Put(&callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{
				UID: fmt.Sprintf("r%d-%d", round, i), Name: fmt.Sprintf("c-%d-%d", round, i), Tags: []string{fmt.Sprint("t", i%10)},
			}})
		}
		p, err := x.Query(index.Query{Filter: mustFilter(t, fmt.Sprintf("metadata.name=c-%d-7", round), "metadata.tags.t3"), Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		want := index.Page{UIDs: []string{fmt.Sprintf("r%d-103", round), fmt.Sprintf("r%d-113", round)}, Total: 101}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("round %d (-want +got):\n%s", round, diff)
		}
		for i := range 1000 {
			x.Delete(fmt.Sprintf("r%d-%d", round, i))
		}
		if p, _ := x.Query(index.Query{Filter: mustFilter(t, "kind")}); p.Total != 0 || x.Len() != 0 {
			t.Errorf("round %d: after deleting all, Total = %d, Len = %d", round, p.Total, x.Len())
		}
	}
}
