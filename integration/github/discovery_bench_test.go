package github_test

import (
	"fmt"
	"testing"
	"time"

	"callboard/integration/github"
	"callboard/internal/githubfake"
)

// BenchmarkDiscovery500 discovers an org of 500 repositories (400 with a
// catalog-info.yaml, 50 without, 50 archived) into a real catalog, twice
// with one client: the second run's requests are conditional (ETag). A
// first run with a throwaway client warms the fake's git answers, so that
// "cold" measures callboard's side (a new client and catalog), not git
// processes on a loaded machine; that first run is logged as "fake-cold".
//
//	go test -run '^$' -bench Discovery500 -benchtime 1x ./integration/github/
func BenchmarkDiscovery500(b *testing.B) {
	s := githubfake.NewServer(b)
	s.AddOrg("acme")
	for i := range 500 {
		name := fmt.Sprintf("svc-%03d", i)
		files := map[string]string{"catalog-info.yaml": component(name), "main.go": "package main\n"}
		if i%10 == 8 {
			delete(files, "catalog-info.yaml")
		}
		s.AddRepo("acme", name, files, githubfake.RepoOptions{Archived: i%10 == 9})
	}
	warm, err := github.New(github.Config{Host: s.Host(), APIBaseURL: s.APIURL(), Token: githubfake.Token},
		github.Options{RequestsPerSecond: 5000})
	if err != nil {
		b.Fatal(err)
	}
	wd, _ := warm.NewDiscovery(github.DiscoveryConfig{ID: "acme", Organization: "acme"}, newCatalog(b, warm), nil)
	start := time.Now()
	if _, err := wd.Refresh(b.Context()); err != nil {
		b.Fatal(err)
	}
	total, _ := s.Requests()
	b.Logf("run 0 (fake-cold: every git answer computed): %s, %d API requests", time.Since(start).Round(time.Millisecond), total)
	for b.Loop() {
		c, err := github.New(github.Config{Host: s.Host(), APIBaseURL: s.APIURL(), Token: githubfake.Token},
			github.Options{RequestsPerSecond: 5000})
		if err != nil {
			b.Fatal(err)
		}
		cat := newCatalog(b, c)
		d, err := c.NewDiscovery(github.DiscoveryConfig{ID: "acme", Organization: "acme"}, cat, nil)
		if err != nil {
			b.Fatal(err)
		}
		for run, label := range []string{"cold", "warm"} {
			s.ResetCounts()
			start := time.Now()
			st, err := d.Refresh(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			took := time.Since(start)
			total, notModified := s.Requests()
			if st.Locations != 400 || cat.Len() < 400 {
				b.Fatalf("%s run: %+v, catalog has %d entities", label, st, cat.Len())
			}
			b.ReportMetric(took.Seconds()*1000, label+"-ms")
			b.ReportMetric(float64(total), label+"-requests")
			b.ReportMetric(float64(notModified), label+"-304s")
			b.Logf("run %d (%s): %d repos, %d matched, %d locations, %s; API requests %d, of which 304 %d",
				run+1, label, st.Repos, st.Matched, st.Locations, took.Round(time.Millisecond), total, notModified)
		}
	}
}
