package index_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callboard"
	"callboard/index"
)

var textFields = []string{"metadata.name", "metadata.title", "metadata.description", "spec.owner", "metadata.tags"}

// textCatalog is a catalog whose text fields hold Chinese, Japanese, mixed
// scripts, letters whose lowercase changes length, and short values.
func textCatalog() []*callboard.Entity {
	texts := []struct{ name, title, desc string }{
		{"payments", "Payments Service", "Takes the Money"},
		{"zhifu", "支付服务", "处理所有的支付请求和退款"},
		{"kessai", "決済サービス", "お支払いを処理します"},
		{"mixed", "支付 API v2", "Payments 支付 gateway, 支付宝 and WeChat"},
		{"turkish", "İstanbul Kalkış", "KELVIN sign K and ẞ sharp"},
		{"short", "A", "ab"},
		{"empty-title", "", "x"},
		{"dup-a", "Shared Title", "shared description"},
		{"dup-b", "shared title", "Shared Description"},
		{"long", "t", strings.Repeat("长文本", 80)}, // over 200 units: null, never matches
		{"bytes", "\x00\x01zero", "tab\there"},
	}
	var es []*callboard.Entity
	for i, tx := range texts {
		es = append(es, &callboard.Entity{
			APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: callboard.Metadata{
				UID: "u-" + tx.name, Name: tx.name, Namespace: "default",
				Title: tx.title, Description: tx.desc, Tags: []string{fmt.Sprint("tag", i%3), "支付"},
			},
			Spec: map[string]any{"type": "service", "owner": fmt.Sprint("team-", i%2)},
		})
	}
	return es
}

var textTerms = []string{
	"pay", "PAY", "payments", "money", "支付", "支", "付服", "退款", "处理所有的支付请求和退款", "お支払い", "決済",
	"支付宝", "api v2", "i̇stanbul", "kalkış", "istanbul", "k", "ẞ", "ß", "sharp", "a", "ab", "b", "x", "tle",
	"shared t", "description", "长文本", "\x00", "\x00\x01", "\x01zero", "\t", "b\th", "team-1", "tag2", "zzz",
	"s", "aym", "ent", "\xff", "支\xff", strings.Repeat("a", 300),
}

func TestTextMatchesScan(t *testing.T) {
	x := index.New()
	x.PutMany(textCatalog())
	if err := index.CheckText(x); err != nil {
		t.Fatal(err)
	}
	for _, term := range textTerms {
		lower := strings.ToLower(term)
		want := index.FullTextScan(x, lower, textFields, false)
		got := index.FullTextScan(x, lower, textFields, true)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("term %q: n-gram answer differs from scan (-scan +n-gram):\n%s", term, diff)
		}
	}
}

func TestTextCJK(t *testing.T) {
	x := index.New()
	x.PutMany(textCatalog())
	tests := []struct {
		term string
		want []string
	}{
		{"支付", []string{"u-mixed", "u-zhifu"}},
		{"支", []string{"u-kessai", "u-mixed", "u-zhifu"}},
		{"付服", []string{"u-zhifu"}},
		{"支付宝", []string{"u-mixed"}},
		{"お支払い", []string{"u-kessai"}},
		{"长文本", nil},
		{"PAYMENTS 支付", []string{"u-mixed"}},
	}
	for _, tc := range tests {
		got := mustQuery(t, x, index.Query{FullText: index.FullText{Term: tc.term, Fields: []string{"metadata.title", "metadata.description"}}})
		if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
			t.Errorf("term %q (-want +got):\n%s", tc.term, diff)
		}
	}
}

func FuzzTextMatchesScan(f *testing.F) {
	x := index.New()
	x.PutMany(textCatalog())
	x.PutMany(generate(300))
	for _, term := range textTerms {
		f.Add(term)
	}
	f.Fuzz(func(t *testing.T, term string) {
		lower := strings.ToLower(strings.TrimSpace(term))
		if lower == "" {
			return
		}
		want := index.FullTextScan(x, lower, textFields, false)
		got := index.FullTextScan(x, lower, textFields, true)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("term %q: n-gram answer differs from scan (-scan +n-gram):\n%s", term, diff)
		}
	})
}

// TestTextMatchesScanLarge has candidate lists long enough to be checked
// in parallel parts.
func TestTextMatchesScanLarge(t *testing.T) {
	x := index.New()
	var es []*callboard.Entity
	for i := range 40000 {
		es = append(es, &callboard.Entity{Kind: "Component", Metadata: callboard.Metadata{
			UID: fmt.Sprint("u", i), Name: fmt.Sprint("svc-", i), Namespace: "default",
			Description: fmt.Sprintf("Handles %s for team %d", []string{"invoices", "invoicing", "payments"}[i%3], i%97),
		}})
	}
	x.PutMany(es)
	for _, term := range []string{"invoice", "invoic", "handles", "team 4", "svc-1"} {
		want := index.FullTextScan(x, term, textFields, false)
		got := index.FullTextScan(x, term, textFields, true)
		if len(want) < 1000 || !cmp.Equal(want, got) {
			t.Errorf("term %q: n-gram found %d, scan %d (want equal and over 1000)", term, len(got), len(want))
		}
	}
}
