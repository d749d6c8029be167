package web_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"callboard"
	"callboard/auth/policy"
	"callboard/catalog"
	"callboard/store/storetest"
	"callboard/web"
)

// BenchmarkPermissionByQuery measures a by-query page of 20 out of 10,000
// components, without a policy and with permPolicy (jane sees 3,000).
func BenchmarkPermissionByQuery(b *testing.B) {
	var sb strings.Builder
	for i := range 10_000 {
		owner := "team-b"
		if i%10 < 3 {
			owner = "team-a"
		}
		fmt.Fprintf(&sb, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-%05d}\nspec: {type: service, lifecycle: production, owner: %s}\n", i, owner)
	}
	path := filepath.Join(b.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cat := catalog.New(storetest.Open(b), catalog.Options{
		Locations: []catalog.StaticLocation{{Type: "file", Target: path}},
		Rules:     []catalog.Rule{{Allow: []string{"Component", "Location"}}},
	})
	if err := cat.ProcessAll(b.Context(), false); err != nil {
		b.Fatal(err)
	}
	pol, err := policy.Parse("policy.yaml", []byte(permPolicy))
	if err != nil {
		b.Fatal(err)
	}
	jane := callboard.WithPrincipal(b.Context(), testPrincipals["jane"])
	for _, tc := range []struct {
		name string
		az   callboard.Authorizer
	}{{"NoPolicy", nil}, {"OwnerFilter", pol}} {
		h := web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Authorizer: tc.az})
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequestWithContext(jane, http.MethodGet,
					"/api/catalog/entities/by-query?filter=kind=component&orderField=metadata.name,asc&limit=20&offset=100", nil)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
