package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"callboard"
	"callboard/catalog"
	"callboard/demo"
	"callboard/store/storetest"
	"callboard/web"
)

// readCounter is a real store that counts, per entity uid, the bodies
// EntitiesByUID reads.
type readCounter struct {
	callboard.EntityStore
	mu    sync.Mutex
	reads map[string]int
}

func (c *readCounter) EntitiesByUID(ctx context.Context, uids []string) ([]*callboard.StoredEntity, error) {
	c.mu.Lock()
	for _, u := range uids {
		if u != "" {
			c.reads[u]++
		}
	}
	c.mu.Unlock()
	return c.EntityStore.EntitiesByUID(ctx, uids)
}

// take returns the counts since the last call and starts again.
func (c *readCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.reads
	c.reads = map[string]int{}
	return out
}

// TestEntityPageReadsNeighboursOnce: the Overview and Relations tabs show
// the entity's neighbours twice (relation lists and graph); the page reads
// each of them from the store once per request. (A group's Overview also
// lists what it owns, a query of its own.)
func TestEntityPageReadsNeighboursOnce(t *testing.T) {
	counter := &readCounter{EntityStore: storetest.Open(t), reads: map[string]int{}}
	cat := catalog.New(counter, catalog.Options{
		Reader:    &catalog.Reader{Embedded: demo.FS()},
		Locations: []catalog.StaticLocation{{Type: catalog.TypeEmbedded, Target: "/catalog-info.yaml"}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "API", "Resource", "System", "Domain", "Group", "User", "Location", "Template"}}},
	})
	if err := cat.ProcessAll(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Dev: true}))
	t.Cleanup(srv.Close)
	tests := []struct{ name, path string }{
		{"overview", "/catalog/default/component/payment-service"},
		{"relations", "/catalog/default/component/payment-service/relations"},
		{"relations two hops", "/catalog/default/component/payment-service/relations?depth=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			counter.take()
			if status, body := getPage(t, srv, tc.path); status != 200 {
				t.Fatalf("GET %s: %d %.300s", tc.path, status, body)
			}
			reads := counter.take()
			if len(reads) == 0 {
				t.Fatalf("GET %s read no entity bodies; the page should show its neighbours", tc.path)
			}
			for uid, n := range reads {
				if n > 1 {
					t.Errorf("GET %s read entity %s %d times, want once", tc.path, uid, n)
				}
			}
		})
	}
}
