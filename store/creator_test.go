package store_test

import (
	"testing"

	"callboard"
	"callboard/store"
	"callboard/store/storetest"
)

// TestCreators checks, on every backend, what decides the permissions
// given by creator: a location remembers who registered it (across an
// update of its target), and task lists can leave out one creator's tasks.
func TestCreators(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				fn   func(*testing.T, *store.DB)
			}{
				{"LocationCreator", testLocationCreator},
				{"TasksNotCreatedBy", testTasksNotCreatedBy},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, b.Open(t))
				})
			}
		})
	}
}

func testLocationCreator(t *testing.T, db *store.DB) {
	jane := callboard.WithPrincipal(t.Context(), callboard.Principal{Subject: "user:default/jane"})
	mine, err := db.CreateLocation(jane, "url", "https://x/jane.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if mine.CreatedBy != "user:default/jane" {
		t.Errorf("CreateLocation as jane: CreatedBy = %q, want user:default/jane", mine.CreatedBy)
	}
	nobody, err := db.CreateLocation(t.Context(), "url", "https://x/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateLocation(t.Context(), mine.ID, "url", "https://x/moved.yaml"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id, want string
	}{
		{"registered by jane, then moved", mine.ID, "user:default/jane"},
		{"registered by nobody", nobody.ID, ""},
	} {
		got, err := db.Location(t.Context(), tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if got.CreatedBy != tc.want {
			t.Errorf("%s: Location(%s).CreatedBy = %q, want %q", tc.name, tc.id, got.CreatedBy, tc.want)
		}
	}
	locs, err := db.Locations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 2 || locs[0].CreatedBy != "user:default/jane" || locs[1].CreatedBy != "" {
		t.Errorf("Locations = %+v, want jane's then nobody's", locs)
	}
}

func testTasksNotCreatedBy(t *testing.T, db *store.DB) {
	mustCreateTask(t, db, "user:default/jane", nil)
	joe := mustCreateTask(t, db, "user:default/joe", nil)
	anon := mustCreateTask(t, db, "", nil)
	list, total, err := db.Tasks(t.Context(), callboard.TaskFilter{NotCreatedBy: []string{"user:default/jane"}})
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(list) != 2 || list[0].ID != anon.ID || list[1].ID != joe.ID {
		t.Errorf("Tasks(not created by jane) = %v, %d; want [anon joe], 2", ids(list), total)
	}
}
