package handlers

import (
	"net/http"
	"testing"

	"github.com/illuwa/illuwa/store"
)

// Answers that carry a token or a user's data are never stored by a cache;
// public ones keep their caching.
func TestAuthenticatedAnswersAreNotCached(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, store.SQLite)
	api.do("POST", "/api/v1/auth/signup", "", map[string]any{"login_id": "cachey", "password": "correct horse", "nickname": "c",
		"email": "cachey@example.com", "phone": "010-1234-5678", "role": "customer"}).mustStatus(t, http.StatusCreated)
	login := api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "cachey", "password": "correct horse"}).mustStatus(t, http.StatusOK)
	var sess struct{ Token string }
	login.decode(t, &sess)
	for name, res := range map[string]response{
		"login":           login,
		"me":              api.do("GET", "/api/v1/me", sess.Token, nil),
		"orders":          api.do("GET", "/api/v1/orders", sess.Token, nil),
		"payment methods": api.do("GET", "/api/v1/payment-methods", sess.Token, nil),
		"a refusal":       api.do("GET", "/api/v1/orders/999", sess.Token, nil),
	} {
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", name, got)
		}
	}
	if got := api.do("GET", "/api/v1/openapi.json", "", nil).Header.Get("Cache-Control"); got == "no-store" {
		t.Errorf("the public OpenAPI document is no-store")
	}
}

// HSTS is sent only when the request came over TLS: directly, or as a
// trusted proxy says with X-Forwarded-Proto; anyone else's header is ignored.
func TestHSTSBehindTLS(t *testing.T) {
	t.Parallel()
	direct := newTestAPI(t, store.SQLite)
	if got := direct.do("GET", "/healthz", "", nil, "X-Forwarded-Proto", "https").Header.Get("Strict-Transport-Security"); got != "" {
		t.Fatalf("an untrusted X-Forwarded-Proto got HSTS %q", got)
	}
	proxied := newTestAPI(t, store.SQLite, func(d *Deps) { d.Options.TrustedProxies = []string{"127.0.0.1"} })
	if got := proxied.do("GET", "/healthz", "", nil).Header.Get("Strict-Transport-Security"); got != "" {
		t.Fatalf("plain HTTP got HSTS %q", got)
	}
	if got := proxied.do("GET", "/healthz", "", nil, "X-Forwarded-Proto", "https").Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Fatalf("behind a trusted TLS proxy: HSTS %q", got)
	}
	for _, tc := range []struct {
		proxies []string
		want    string
	}{
		{[]string{"10.0.0.0/8", "127.0.0.0/30"}, "max-age=31536000; includeSubDomains"},
		{[]string{"10.0.0.0/8", "::1", "127.0.0.2"}, ""},
	} {
		api := newTestAPI(t, store.SQLite, func(d *Deps) { d.Options.TrustedProxies = tc.proxies })
		if got := api.do("GET", "/healthz", "", nil, "X-Forwarded-Proto", "https").Header.Get("Strict-Transport-Security"); got != tc.want {
			t.Fatalf("trusted proxies %q, from 127.0.0.1: HSTS %q, want %q", tc.proxies, got, tc.want)
		}
	}
}
