package plugin

import (
	"context"
	"sort"
	"sync"
	"time"

	"callboard"
)

// Facts asks every plugin that has Facts about e, concurrently, each call
// bounded by timeout (Call). It fills in each fact's Entity, Source and,
// when zero, At, and returns the facts sorted by source and key, with the
// error of each plugin that failed by its ID. A fact CheckFact refuses
// fails its plugin's answer.
func Facts(ctx context.Context, plugins []Enabled, e *callboard.Entity, timeout time.Duration) ([]callboard.Fact, map[string]error) {
	ref := e.Ref().String()
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		facts  []callboard.Fact
		failed = map[string]error{}
	)
	for _, p := range plugins {
		if p.Instance == nil || p.Instance.Facts == nil {
			continue
		}
		wg.Go(func() {
			var got []callboard.Fact // read only when Call returned fn's answer
			err := Call(ctx, timeout, func(ctx context.Context) error {
				fs, err := p.Instance.Facts(ctx, e)
				got = fs
				return err
			})
			now := time.Now().UTC()
			for i := 0; err == nil && i < len(got); i++ {
				got[i].Entity, got[i].Source = ref, p.ID
				if got[i].At.IsZero() {
					got[i].At = now
				}
				err = callboard.CheckFact(got[i])
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[p.ID] = err
				return
			}
			facts = append(facts, got...)
		})
	}
	wg.Wait()
	sort.SliceStable(facts, func(i, j int) bool {
		if facts[i].Source != facts[j].Source {
			return facts[i].Source < facts[j].Source
		}
		return facts[i].Key < facts[j].Key
	})
	return facts, failed
}
