package index_test

import (
	"fmt"
	"strings"
	"testing"

	"callboard/index"
)

// BenchmarkParseFilters1000 parses the largest filter a request may carry:
// 1,000 statements, of one key (metadata.name=a,metadata.name=b...) and of
// as many keys (k0=v,k1=v...), which was quadratic before keys were
// grouped with a map.
//
//	go test ./index/ -run '^$' -bench ParseFilters
func BenchmarkParseFilters1000(b *testing.B) {
	for _, tc := range []struct {
		name string
		stmt func(i int) string
	}{
		{"one key", func(i int) string { return fmt.Sprintf("metadata.name=service-%d", i) }},
		{"distinct keys", func(i int) string { return fmt.Sprintf("metadata.annotations.example.com/k%d=v", i) }},
	} {
		parts := make([]string, index.MaxFilterStatements)
		for i := range parts {
			parts[i] = tc.stmt(i)
		}
		param := []string{strings.Join(parts, ",")}
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := index.ParseFilters(param); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
