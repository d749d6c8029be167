package store_test

import (
	"strings"
	"testing"

	"callboard"
	"callboard/store/storetest"
)

func TestStars(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			starred := func(user string) string {
				t.Helper()
				refs, err := db.Starred(ctx, user)
				if err != nil {
					t.Fatalf("Starred(%s): %v", user, err)
				}
				return strings.Join(refs, " ")
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			if got := starred("user:default/jane"); got != "" {
				t.Errorf("nothing starred yet: %q", got)
			}
			must(db.Star(ctx, "user:default/jane", "component:default/b"))
			must(db.Star(ctx, "User:Default/Jane", "Component:default/A")) // refs compare case-insensitively
			must(db.Star(ctx, "user:default/jane", "component:default/b")) // twice is no error
			must(db.Star(ctx, "user:default/john", "api:default/c"))
			if got := starred("user:default/jane"); got != "component:default/a component:default/b" {
				t.Errorf("jane's stars = %q", got)
			}
			if got := starred("user:default/john"); got != "api:default/c" {
				t.Errorf("john's stars = %q (each user has their own)", got)
			}
			must(db.Unstar(ctx, "user:default/jane", "COMPONENT:default/b"))
			must(db.Unstar(ctx, "user:default/jane", "component:default/never")) // unknown: no error
			if got := starred("user:default/jane"); got != "component:default/a" {
				t.Errorf("after unstar: %q", got)
			}
			if err := db.Star(ctx, "", "component:default/a"); callboard.ErrorKind(err) != callboard.Invalid {
				t.Errorf("Star without a user: %v, want Invalid", err)
			}
		})
	}
}
