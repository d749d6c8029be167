package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"callboard"
	"callboard/store/storetest"
	"callboard/web"
)

// peoplePrincipals are demo users as the sign-in middleware would
// present them: the user and their groups.
var peoplePrincipals = map[string]callboard.Principal{
	"zhang":   {Subject: "user:default/zhang.wei", Ownership: []string{"user:default/zhang.wei", "group:default/payments-team"}},
	"li":      {Subject: "user:default/li.na", Ownership: []string{"user:default/li.na", "group:default/payments-team"}},
	"liu":     {Subject: "user:default/liu.yang", Ownership: []string{"user:default/liu.yang", "group:default/order-team"}},
	"machine": {Subject: "external:ci", Service: true},
}

// newStarServer serves the demo catalog outside dev mode, the X-Test-User
// header naming the caller, with stars in a real database.
func newStarServer(t *testing.T) (*httptest.Server, callboard.StarStore) {
	t.Helper()
	_, cat := newDemoServer(t, web.Options{Dev: true})
	stars := storetest.Open(t)
	h := web.NewServer(slog.New(slog.DiscardHandler), cat, web.Options{Stars: stars, Tokens: map[string]string{"t": "ci"}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := peoplePrincipals[r.Header.Get("X-Test-User")]; ok {
			r = r.WithContext(callboard.WithPrincipal(r.Context(), p))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, stars
}

func pageAs(t *testing.T, srv *httptest.Server, user, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("X-Test-User", user)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStarsPerUser(t *testing.T) {
	srv, stars := newStarServer(t)
	ctx := t.Context()
	const entity = "/catalog/default/component/payment-service"
	starred := func(user string) string {
		t.Helper()
		refs, err := stars.Starred(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(refs, " ")
	}

	// Nobody, machines and other sites cannot star.
	if resp, _ := postForm(t, srv, entity+"/star", nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous star: %d, want 401", resp.StatusCode)
	}
	if resp, _ := postForm(t, srv, entity+"/star", nil, map[string]string{"X-Test-User": "machine"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("machine star: %d, want 401", resp.StatusCode)
	}
	if resp, _ := postForm(t, srv, entity+"/star", nil, map[string]string{"X-Test-User": "zhang", "Sec-Fetch-Site": "cross-site"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site star: %d, want 403", resp.StatusCode)
	}
	if got := starred("user:default/zhang.wei"); got != "" {
		t.Fatalf("refused stars were kept: %q", got)
	}

	resp, _ := postForm(t, srv, entity+"/star", nil, map[string]string{"X-Test-User": "zhang", "Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != entity {
		t.Fatalf("star: %d to %q, want 303 back to the entity", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := starred("user:default/zhang.wei"); got != "component:default/payment-service" {
		t.Errorf("zhang's stars = %q", got)
	}
	if got := starred("user:default/li.na"); got != "" {
		t.Errorf("li's stars = %q, want none: stars are per user", got)
	}
	if resp, _ := postForm(t, srv, "/catalog/default/component/nope/star", nil, map[string]string{"X-Test-User": "zhang"}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("star of an unknown entity: %d, want 404", resp.StatusCode)
	}

	// The button shows each user their own state; machines get none.
	for user, want := range map[string]string{"zhang": `aria-pressed="true"`, "li": `aria-pressed="false"`} {
		if _, body := pageAs(t, srv, user, entity); !strings.Contains(body, want) {
			t.Errorf("%s sees no %s on the entity page", user, want)
		}
	}
	if _, body := pageAs(t, srv, "machine", entity); strings.Contains(body, "star-form") {
		t.Error("a machine token sees the star button")
	}

	// Starred, Owned and All on the catalog and the API explorer.
	cases := []struct{ user, path, want, not string }{
		{"zhang", "/catalog?user=starred", "payment-service", "order-service"},
		{"zhang", "/catalog?filters[user]=starred&filters[kind]=component", "payment-service", "risk-engine"},
		{"li", "/catalog?user=starred", "No entities", "payment-service"},
		{"li", "/catalog?filters[user]=owned", "payment-service", "order-service"},
		{"liu", "/catalog?user=owned", "order-service", "payment-service"},
		{"liu", "/api-docs?user=owned", "order-api", "payment-api"},
		{"liu", "/api-docs?filters[user]=all", "payment-api", ">Owned 0<"},
	}
	for _, c := range cases {
		status, body := pageAs(t, srv, c.user, c.path)
		if status != 200 || !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("%s GET %s: %d, want %q and not %q", c.user, c.path, status, c.want, c.not)
		}
	}
	if _, body := pageAs(t, srv, "zhang", "/"); !strings.Contains(body, "starred-card") || !strings.Contains(body, "/catalog/default/component/payment-service") {
		t.Error("zhang's home has no Starred card with payment-service")
	}
	if _, body := pageAs(t, srv, "machine", "/catalog"); strings.Contains(body, "userswitch") {
		t.Error("a machine token sees the Owned / Starred / All switch")
	}

	// Unstar.
	resp, _ = postForm(t, srv, entity+"/star", url.Values{"star": {"0"}}, map[string]string{"X-Test-User": "zhang"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unstar: %d", resp.StatusCode)
	}
	if got := starred("user:default/zhang.wei"); got != "" {
		t.Errorf("after unstar: %q", got)
	}
}
