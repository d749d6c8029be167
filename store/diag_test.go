package store_test

import (
	"testing"
	"time"

	"callboard/store/storetest"
)

func TestDiag(t *testing.T) {
	es := genCatalog(20000)
	db := storetest.Open(t)
	for lo := 0; lo < len(es); lo += 2000 {
		if err := db.PutEntities(t.Context(), es[lo:lo+2000]); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(time.Second)
	var uids100 []string
	for j := range 100 {
		uids100 = append(uids100, es[(j*104729)%len(es)].UID)
	}
	for range 5 {
		start := time.Now()
		db.EntitiesByUID(t.Context(), uids100)
		t.Logf("byuid100 %v", time.Since(start))
	}
	uids := []string{es[5].UID, es[500].UID, es[1900].UID}
	for range 5 {
		start := time.Now()
		db.EntitiesByUID(t.Context(), uids)
		t.Logf("byuid %v", time.Since(start))
		start = time.Now()
		db.Entity(t.Context(), es[77].Ref)
		t.Logf("byref %v", time.Since(start))
		start = time.Now()
		var n int
		db.SQL().QueryRow("SELECT count(*) FROM entities WHERE uid IN (?,?,?)", uids[0], uids[1], uids[2]).Scan(&n)
		t.Logf("raw write pool %v", time.Since(start))
	}
	rows, _ := db.SQL().Query("EXPLAIN QUERY PLAN SELECT uid FROM entities WHERE uid IN (?,?,?)", uids[0], uids[1], uids[2])
	for rows.Next() {
		var a, b, c int
		var d string
		rows.Scan(&a, &b, &c, &d)
		t.Log(d)
	}
}
