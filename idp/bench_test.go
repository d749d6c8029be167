package idp

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/scorecard"
	"callboard/store/storetest"
)

// BenchmarkCompute: the figures over 5,000 components, 2,000 of them with
// docs facts, and 200 completed tasks (SQLite, or PostgreSQL with
// CALLBOARD_TEST_POSTGRES_URL).
func BenchmarkCompute(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			db := be.Open(b)
			ctx := b.Context()
			now := time.Now().UTC()
			var es []*callboard.Entity
			var results []callboard.ScorecardResult
			for i := range 5000 {
				e := &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{Name: fmt.Sprintf("svc-%d", i), Namespace: "default"}}
				if i < 2000 {
					e.Metadata.Annotations = map[string]string{callboard.AnnotationTechDocsRef: "dir:."}
					if err := db.PutFacts(ctx, "docs", e.Ref().String(), []callboard.Fact{{Key: "builtAt", Value: now.Add(-time.Duration(i) * time.Hour)}}); err != nil {
						b.Fatal(err)
					}
				}
				es = append(es, e)
				results = append(results, callboard.ScorecardResult{Scorecard: scorecard.DefaultID, Entity: e.Ref().String(), Passed: i % 7, Total: 6, At: now})
			}
			if err := db.PutScorecardResults(ctx, results); err != nil {
				b.Fatal(err)
			}
			for range 200 {
				t, err := db.CreateTask(ctx, []byte(`{"templateInfo":{"entityRef":"template:default/a"}}`), "user:default/jane", nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := db.ClaimTask(ctx); err != nil {
					b.Fatal(err)
				}
				if err := db.FinishTask(ctx, t.ID, callboard.TaskCompleted, nil); err != nil {
					b.Fatal(err)
				}
			}
			m := New(Sources{Entities: func(context.Context) ([]*callboard.Entity, error) { return es, nil }, Tasks: db, Store: db})
			if _, err := m.setup(ctx, plugin.Env{Facts: db, Scorecards: db, Log: slog.New(slog.DiscardHandler)}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := m.Compute(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
