package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestFromBackstage(t *testing.T) {
	tests := []struct{ in, want string }{
		// The short form passes unchanged.
		{"kind=api&owner=group:default/a&q=pay", "kind=api&owner=group:default/a&q=pay"},
		// Repeated keys, qs's [] and [0] forms, comma lists.
		{"filters[kind]=component&filters[type]=service&filters[tags]=go&filters[tags]=java",
			"kind=component&tag=go&tag=java&type=service"},
		{"filters[tags][]=go&filters[tags][1]=java&filters[lifecycles]=production,experimental",
			"lifecycle=production&lifecycle=experimental&tag=go&tag=java"},
		// Owners by name (older Backstage) or by ref; user, namespace, text.
		{"filters[owners]=payments-team,user:default/zhang.wei&filters[user]=owned&filters[namespace]=default&filters[text]=pay",
			"namespace=default&owner=group:default/payments-team&owner=user:default/zhang.wei&q=pay&user=owned"},
		// Unknown filters are dropped; other parameters stay.
		{"filters[orphan]=true&filters[kind]=api&page=2", "kind=api&page=2"},
	}
	for _, tc := range tests {
		q, err := url.ParseQuery(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		got := fromBackstage(q)
		for _, vs := range got {
			slices.Sort(vs)
		}
		want, _ := url.ParseQuery(tc.want)
		for _, vs := range want {
			slices.Sort(vs)
		}
		if got.Encode() != want.Encode() {
			t.Errorf("fromBackstage(%s) = %s, want %s", tc.in, got.Encode(), want.Encode())
		}
	}
}

func TestCatalogParamsDefaultKind(t *testing.T) {
	for query, want := range map[string]string{
		"":                      "component",
		"q=pay":                 "component",
		"kind=all":              "",
		"kind=all&kind=api":     "api",
		"filters[kind]=api":     "api",
		"filters[type]=service": "component",
		"kind=API&kind=group":   "API group",
	} {
		q, _ := url.ParseQuery(query)
		p, err := parseCatalogParams(q)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if got := strings.Join(p.Selected["kind"], " "); got != want {
			t.Errorf("?%s: kinds %q, want %q", query, got, want)
		}
		// The state's own URL reads back as the same kinds.
		back, _ := parseCatalogParams(p.values())
		if got := strings.Join(back.Selected["kind"], " "); got != want {
			t.Errorf("?%s round trip %s: kinds %q, want %q", query, p.values().Encode(), got, want)
		}
	}
	if _, err := parseCatalogParams(url.Values{"user": {"mine"}}); err == nil {
		t.Error("user=mine accepted; want owned, starred or all")
	}
}

func TestTrailingSlash(t *testing.T) {
	tests := []struct{ path, query, want string }{
		{"/catalog/", "kind=api", "/catalog?kind=api"},
		{"/settings//", "", "/settings"},
		{"//evil.example/", "", "/evil.example"}, // never another site
		{"/catalog", "", ""},                     // no slash: served
		{"/", "", ""},
		{"/api/catalog/entities/", "", ""}, // the API is left alone
		{"/static/app.css/", "", ""},
		{"/docs/default/component/x/guide/", "", ""}, // a docs folder's index
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.Path, r.URL.RawQuery = tc.path, tc.query
		w := httptest.NewRecorder()
		ok := trailingSlash(w, r)
		if tc.want == "" {
			if !ok {
				t.Errorf("%s: redirected to %s, want it served", tc.path, w.Header().Get("Location"))
			}
			continue
		}
		if ok || w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != tc.want {
			t.Errorf("%s: %d to %q, want 301 to %q", tc.path, w.Code, w.Header().Get("Location"), tc.want)
		}
	}
	post := httptest.NewRequest(http.MethodPost, "/catalog-import/", nil)
	if !trailingSlash(httptest.NewRecorder(), post) {
		t.Error("a POST was redirected")
	}
}
