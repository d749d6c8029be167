package idp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"callboard"
	"callboard/plugin"
	"callboard/scorecard"
	"callboard/store/storetest"
)

// TestMetricsOnAGeneratedHistory computes every figure over a history
// built in a real database (both backends) whose answers are known.
func TestMetricsOnAGeneratedHistory(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			ctx := t.Context()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			now := time.Now().UTC()
			var entities []*callboard.Entity
			entity := func(kind, name string, docs bool) *callboard.Entity {
				e := &callboard.Entity{APIVersion: "backstage.io/v1alpha1", Kind: kind, Metadata: callboard.Metadata{Name: name, Namespace: "default"}}
				if docs {
					e.Metadata.Annotations = map[string]string{callboard.AnnotationTechDocsRef: "dir:."}
				}
				entities = append(entities, e)
				return e
			}
			// Completeness: 10 components, 4 pass every check, 1 passes 5 of 6;
			// a passing API is not a component and does not count.
			var results []callboard.ScorecardResult
			for i := range 10 {
				e := entity("Component", fmt.Sprintf("svc-%d", i), false)
				switch {
				case i < 4:
					results = append(results, callboard.ScorecardResult{Scorecard: scorecard.DefaultID, Entity: e.Ref().String(), Passed: 6, Total: 6, At: now})
				case i == 4:
					results = append(results, callboard.ScorecardResult{Scorecard: scorecard.DefaultID, Entity: e.Ref().String(), Passed: 5, Total: 6, At: now})
				}
			}
			payAPI := entity("API", "pay-api", false)
			results = append(results, callboard.ScorecardResult{Scorecard: scorecard.DefaultID, Entity: payAPI.Ref().String(), Passed: 6, Total: 6, At: now})
			must(db.PutScorecardResults(ctx, results))
			// Freshness: 5 docs; fresh by commit (10 days), fresh by build
			// (30 days), stale by commit though built yesterday, stale by
			// build (100 days), never built: 2 of 5.
			day := 24 * time.Hour
			docFacts := [][]callboard.Fact{
				{{Key: "updatedAt", Value: now.Add(-10 * day)}, {Key: "builtAt", Value: now.Add(-200 * day)}},
				{{Key: "builtAt", Value: now.Add(-30 * day)}},
				{{Key: "updatedAt", Value: now.Add(-200 * day)}, {Key: "builtAt", Value: now.Add(-1 * day)}},
				{{Key: "builtAt", Value: now.Add(-100 * day)}},
				nil,
			}
			for i, fs := range docFacts {
				e := entity("System", fmt.Sprintf("docs-%d", i), true)
				must(db.PutFacts(ctx, "docs", e.Ref().String(), fs))
			}
			// Tasks: template a: 4 completed, 1 failed; template b: 1
			// completed, 1 cancelled. Completed tasks register new-0..4; the
			// first four were deployed 1h, 2h, 3h and 10h after their task
			// was created (an Argo CD sync before the task does not count).
			type run struct {
				template string
				status   callboard.TaskStatus
				deploy   time.Duration // 0: never deployed
			}
			runs := []run{{"a", callboard.TaskCompleted, time.Hour}, {"a", callboard.TaskCompleted, 2 * time.Hour},
				{"a", callboard.TaskCompleted, 3 * time.Hour}, {"a", callboard.TaskFailed, 0}, {"b", callboard.TaskCompleted, 10 * time.Hour},
				{"a", callboard.TaskCompleted, 0}, {"b", callboard.TaskCancelled, 0}}
			for i, r := range runs {
				spec := fmt.Sprintf(`{"templateInfo":{"entityRef":"template:default/%s"}}`, r.template)
				task, err := db.CreateTask(ctx, json.RawMessage(spec), "user:default/jane", nil)
				must(err)
				claimed, ok, err := db.ClaimTask(ctx)
				must(err)
				if !ok || claimed.ID != task.ID {
					t.Fatalf("claimed %v %v, want %s", claimed.ID, ok, task.ID)
				}
				ref := fmt.Sprintf("component:default/new-%d", i)
				must(db.PutTaskStep(ctx, callboard.TaskStep{TaskID: task.ID, StepID: "register", Status: "completed",
					Output: json.RawMessage(`{"entityRef":"` + ref + `"}`)}))
				must(db.FinishTask(ctx, task.ID, r.status, nil))
				if r.deploy > 0 {
					source, key := "argocd", "firstDeployedAt"
					if i == 2 {
						source, key = "github", "deployments.firstProductionAt"
						must(db.PutFacts(ctx, "argocd", ref, []callboard.Fact{{Key: "firstDeployedAt", Value: task.CreatedAt.Add(-time.Hour)}}))
					}
					must(db.PutFacts(ctx, source, ref, []callboard.Fact{{Key: key, Value: task.CreatedAt.Add(r.deploy)}}))
				}
			}

			m := New(Sources{Entities: func(ctx context.Context) ([]*callboard.Entity, error) { return entities, nil }, Tasks: db, Store: db})
			env := plugin.Env{Facts: db, Scorecards: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			in, err := m.setup(ctx, env)
			must(err)
			// Monthly active users: three people, many requests; a machine is not counted by the web server.
			for range 5 {
				for _, u := range []string{"user:default/jane", "user:default/JOHN", "user:default/ann"} {
					m.SeenUser(ctx, u)
				}
			}
			got, err := m.Compute(ctx)
			must(err)
			if c := got.ServiceCompleteness; c != (Ratio{Value: 0.4, Numerator: 4, Denominator: 10}) {
				t.Errorf("completeness = %+v, want 4/10", c)
			}
			if f := got.DocsFreshness; f != (Ratio{Value: 0.4, Numerator: 2, Denominator: 5}) {
				t.Errorf("docs freshness = %+v, want 2/5", f)
			}
			if u := got.MonthlyActiveUsers; u.Value != 3 || u.Month != now.Format("2006-01") {
				t.Errorf("monthly active users = %+v, want 3 this month", u)
			}
			// Samples 1h, 2h, 3h, 10h: nearest rank p50 = 2h, p90 = 10h.
			if lt := got.NewServiceLeadTime; lt.Samples != 4 || !near(lt.P50Seconds, 7200) || !near(lt.P90Seconds, 36000) {
				t.Errorf("lead time = %+v, want 4 samples, p50 7200 s, p90 36000 s", lt)
			}
			want := []TemplateUsage{
				{Template: "template:default/a", Tasks: 5, Completed: 4, Failed: 1, SuccessRate: 0.8},
				{Template: "template:default/b", Tasks: 2, Completed: 1, Cancelled: 1, SuccessRate: 0.5},
			}
			if fmt.Sprint(got.Templates) != fmt.Sprint(want) {
				t.Errorf("templates = %+v, want %+v", got.Templates, want)
			}

			// The snapshot job stores the day; the API serves both, as JSON and CSV.
			must(in.Jobs[0].Run(ctx))
			srv := httptest.NewServer(routesMux(in.Routes))
			defer srv.Close()
			var api struct {
				ServiceCompleteness Ratio       `json:"serviceCompleteness"`
				DocsFreshness       Ratio       `json:"docsFreshness"`
				MonthlyActiveUsers  ActiveUsers `json:"monthlyActiveUsers"`
				NewServiceLeadTime  LeadTime    `json:"newServiceLeadTime"`
				Templates           []TemplateUsage
			}
			getJSON(t, srv.URL+"/metrics", &api)
			if api.ServiceCompleteness.Value != 0.4 || api.DocsFreshness.Denominator != 5 || api.MonthlyActiveUsers.Value != 3 ||
				api.NewServiceLeadTime.Samples != 4 || len(api.Templates) != 2 {
				t.Errorf("GET /api/idp/metrics = %+v", api)
			}
			var snaps struct{ Snapshots []Snapshot }
			getJSON(t, srv.URL+"/snapshots", &snaps)
			if len(snaps.Snapshots) != 1 || snaps.Snapshots[0].Day != now.Format(time.DateOnly) || snaps.Snapshots[0].Metrics.DocsFreshness.Numerator != 2 {
				t.Errorf("snapshots = %+v", snaps)
			}
			res, err := http.Get(srv.URL + "/snapshots?format=csv")
			must(err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			lines := strings.Split(strings.TrimSpace(string(body)), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[1], now.Format(time.DateOnly)+",0.4,4,10,0.4,2,5,3,") {
				t.Errorf("snapshots CSV = %q", body)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1 }

func routesMux(rs []plugin.Route) http.Handler {
	mux := http.NewServeMux()
	for _, r := range rs {
		mux.HandleFunc(r.Method+" "+r.Path, func(w http.ResponseWriter, req *http.Request) {
			if err := r.Handler(w, req); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
	}
	return mux
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s = %d: %s", url, res.StatusCode, b)
	}
	if err := json.NewDecoder(res.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	tests := []struct {
		in     []float64
		p, out float64
	}{{nil, 50, 0}, {[]float64{5}, 90, 5}, {[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50, 5}, {[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9}, {[]float64{1, 2, 3}, 90, 3}}
	for i, tc := range tests {
		if got := percentile(tc.in, tc.p); got != tc.out {
			t.Errorf("%d: percentile(%v, %v) = %v, want %v", i, tc.in, tc.p, got, tc.out)
		}
	}
}
