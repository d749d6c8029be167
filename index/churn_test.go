package index_test

import (
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
	for _, y := range []*index.Index{x, fresh} {
		if err := index.CheckText(y); err != nil {
			t.Error(err)
		}
	}
	for _, q := range queries {
		got, err := x.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := fresh.Query(q)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Query(%+v) differs from fresh index (-fresh +churned):\n%s", q, diff)
		}
	}
	facets := []string{"kind", "spec.type", "metadata.tags", "relations.ownedBy", "spec.n"}
	if diff := cmp.Diff(fresh.Facets(facets, nil), x.Facets(facets, nil)); diff != "" {
		t.Errorf("Facets differ from fresh index (-fresh +churned):\n%s", diff)
	}
	uids := []string{"no-such-uid"}
	for uid := range live {
		uids = append(uids, uid)
	}
	for i, ref := range x.RefsByUID(uids) {
		if want, _ := x.RefByUID(uids[i]); ref != want {
			t.Errorf("RefsByUID: %s has %q, RefByUID %q", uids[i], ref, want)
		}
	}
	for uid, e := range live {
		ref := e.Ref().String()
		if got, ok := x.UIDByRef(ref); !ok || got != uid {
			t.Errorf("UIDByRef(%s) = %q, %v, want %q", ref, got, ok, uid)
		}
		if got, _ := x.RefByUID(uid); got != ref {
			t.Errorf("RefByUID(%s) = %q, want %q", uid, got, ref)
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
