package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/oauth"
	"github.com/illuwa/illuwa/handlers/oauth/oauthfake"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// withState replaces the state of a callback address.
func withState(cb, state string) string {
	u, _ := url.Parse(cb)
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}

func codeOf(cb string) string {
	u, _ := url.Parse(cb)
	return u.Query().Get("code")
}

// Every way a provider's answer can fail to prove who is signing in is
// refused with its code, and nothing is linked or made.
func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		provider string
		run      func(t *testing.T, api *oauthAPI, b *browser) response
		code     string
		also     string // another provider to configure
	}{
		{"forged_state", oauth.Google, func(t *testing.T, api *oauthAPI, b *browser) response {
			return b.callback(withState(b.authorize(oauth.Google), "forged-state-value"))
		}, "oauth_state_invalid", ""},
		{"no_state", oauth.Kakao, func(t *testing.T, api *oauthAPI, b *browser) response {
			return b.callback(withState(b.authorize(oauth.Kakao), ""))
		}, "oauth_state_invalid", ""},
		{"replayed_state", oauth.Kakao, func(t *testing.T, api *oauthAPI, b *browser) response {
			cb := b.authorize(oauth.Kakao)
			b.callback(cb).mustStatus(t, http.StatusSeeOther)
			return b.callback(cb)
		}, "oauth_state_invalid", ""},
		{"another_browsers_state", oauth.Google, func(t *testing.T, api *oauthAPI, b *browser) response {
			cb := b.authorize(oauth.Google)
			return api.browser(t).callback(cb) // a login CSRF: the victim's browser lacks the binding cookie
		}, "oauth_state_invalid", ""},
		{"state_of_another_provider", oauth.Google, func(t *testing.T, api *oauthAPI, b *browser) response {
			cb := b.authorize(oauth.Google)
			return b.callback(strings.Replace(cb, "/oauth/google/", "/oauth/kakao/", 1))
		}, "oauth_state_invalid", oauth.Kakao},
		{"replayed_code", oauth.Google, func(t *testing.T, api *oauthAPI, b *browser) response {
			first := b.authorize(oauth.Google)
			second := b.authorize(oauth.Google)
			b.callback(first).mustStatus(t, http.StatusSeeOther)
			// The second sign-in's fresh state carries the first, spent code.
			u, _ := url.Parse(second)
			q := u.Query()
			q.Set("code", codeOf(first))
			u.RawQuery = q.Encode()
			return b.callback(u.String())
		}, "oauth_code_invalid", ""},
		{"replayed_code_facebook", oauth.Facebook, func(t *testing.T, api *oauthAPI, b *browser) response {
			first := b.authorize(oauth.Facebook)
			second := b.authorize(oauth.Facebook)
			b.callback(first).mustStatus(t, http.StatusSeeOther)
			u, _ := url.Parse(second)
			q := u.Query()
			q.Set("code", codeOf(first))
			u.RawQuery = q.Encode()
			return b.callback(u.String())
		}, "oauth_code_invalid", ""},
		{"wrong_audience", oauth.Google, func(t *testing.T, api *oauthAPI, b *browser) response {
			api.fakes[oauth.Google].SetClaims(func(c map[string]any) { c["aud"] = "another-app" })
			return b.callback(b.authorize(oauth.Google))
		}, "oauth_token_invalid", ""},
		{"expired_id_token", oauth.Kakao, func(t *testing.T, api *oauthAPI, b *browser) response {
			api.fakes[oauth.Kakao].SetClaims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })
			return b.callback(b.authorize(oauth.Kakao))
		}, "oauth_token_invalid", ""},
		{"wrong_nonce", oauth.Kakao, func(t *testing.T, api *oauthAPI, b *browser) response {
			api.fakes[oauth.Kakao].SetClaims(func(c map[string]any) { c["nonce"] = "a-replayed-token's-nonce" })
			return b.callback(b.authorize(oauth.Kakao))
		}, "oauth_token_invalid", ""},
		{"declined", oauth.Facebook, func(t *testing.T, api *oauthAPI, b *browser) response {
			api.fakes[oauth.Facebook].SetDeny(true)
			return b.callback(b.authorize(oauth.Facebook))
		}, "oauth_denied", ""},
		{"ticket_of_another_browser", oauth.Google, func(t *testing.T, api *oauthAPI, b *browser) response {
			return api.browser(t).post("/api/v1/auth/oauth/ticket", map[string]any{"ticket": b.ticket(oauth.Google)})
		}, "oauth_ticket_invalid", ""},
		{"forged_ticket", oauth.Google, func(t *testing.T, api *oauthAPI, b *browser) response {
			b.ticket(oauth.Google)
			return b.post("/api/v1/auth/oauth/ticket", map[string]any{"ticket": "forged"})
		}, "oauth_ticket_invalid", ""},
	}
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					names := []string{tc.provider}
					if tc.also != "" {
						names = append(names, tc.also)
					}
					api := newOAuthAPI(t, kind, names...)
					p := tc.run(t, api, api.browser(t)).problem(t)
					if p.Code != tc.code {
						t.Fatalf("problem %+v, want %s", p, tc.code)
					}
					if id, err := api.store.OAuthIdentityBySubject(t.Context(), tc.provider, tc.provider+"-sub-1"); !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("identity %+v (%v) after a refusal", id, err)
					}
				})
			}
		})
	}
}

// A browser's failure lands on the web app's page with the problem's code.
func TestOAuthBrowserFailureRedirects(t *testing.T) {
	t.Parallel()
	api := newOAuthAPI(t, store.SQLite, oauth.Google)
	b := api.browser(t)
	res := b.callback(withState(b.authorize(oauth.Google), "forged"), "Accept", "text/html,application/xhtml+xml").mustStatus(t, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/oauth.html#error=oauth_state_invalid" {
		t.Fatalf("Location %q", loc)
	}
	res = b.get(api.http.URL+"/api/v1/auth/oauth/kakao/start", "/api/v1/auth/oauth/{provider}/start", "Accept", "text/html").mustStatus(t, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/oauth.html#error=oauth_provider_unknown" {
		t.Fatalf("Location %q", loc)
	}
}

// A provider without a client id is not listed and its paths are 404.
func TestOAuthProviderNotConfigured(t *testing.T) {
	t.Parallel()
	api := newOAuthAPI(t, store.SQLite, oauth.Google)
	var list oauthProviders
	res := api.do("GET", "/api/v1/auth/oauth/providers", "", nil).mustStatus(t, http.StatusOK)
	api.sc.validateResponse(t, "GET", "/api/v1/auth/oauth/providers", res)
	res.decode(t, &list)
	if len(list.Providers) != 1 || list.Providers[0].Name != oauth.Google {
		t.Fatalf("providers %+v, want only google", list)
	}
	b := api.browser(t)
	for _, path := range []string{"/api/v1/auth/oauth/kakao/start", "/api/v1/auth/oauth/facebook/start", "/api/v1/auth/oauth/myspace/start"} {
		if p := b.get(api.http.URL+path, "/api/v1/auth/oauth/{provider}/start").problem(t); p.Status != 404 || p.Code != "oauth_provider_unknown" {
			t.Errorf("%s: %+v", path, p)
		}
	}
	if p := b.callback(api.http.URL + "/api/v1/auth/oauth/kakao/callback?state=x&code=y").problem(t); p.Status != 404 || p.Code != "oauth_provider_unknown" {
		t.Errorf("callback: %+v", p)
	}

	none := newTestAPI(t, store.SQLite)
	none.do("GET", "/api/v1/auth/oauth/providers", "", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Providers) != 0 {
		t.Fatalf("providers %+v with none configured", list)
	}
}

// An existing account with the provider's verified e-mail is linked only
// with its password: a wrong one links nothing.
func TestOAuthLinkNeedsPassword(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			api := newOAuthAPI(t, kind, oauth.Google, oauth.Kakao)
			_, minji := api.signupLogin("minji", store.RoleCustomer)
			for _, p := range []string{oauth.Google, oauth.Kakao} {
				api.fakes[p].SetUser(oauthfake.User{Subject: p + "-minji", Email: "minji@example.com", EmailVerified: true, Name: "민지"})
			}
			b := api.browser(t)
			tk := b.ticket(oauth.Google)
			if out := b.claim(tk); out.Status != accounts.OAuthLinkRequired || !out.EmailVerified {
				t.Fatalf("claim %+v, want link_required", out)
			}
			p := b.post("/api/v1/auth/oauth/link", map[string]any{"ticket": tk, "password": "wrong horse"}).problem(t)
			if p.Status != 401 || p.Code != "invalid_credentials" {
				t.Fatalf("wrong password: %+v", p)
			}
			if ids := api.identities(t, minji.ID); len(ids) != 0 {
				t.Fatalf("linked with a wrong password: %+v", ids)
			}
			// Signing in again is no way around it: still link_required.
			b2 := api.browser(t)
			if out := b2.claim(b2.ticket(oauth.Google)); out.Status != accounts.OAuthLinkRequired || out.Session != nil {
				t.Fatalf("second claim %+v", out)
			}
			var sess accounts.Session
			b.post("/api/v1/auth/oauth/link", map[string]any{"ticket": tk, "password": "correct horse"}).mustStatus(t, http.StatusOK).decode(t, &sess)
			if sess.User.ID != minji.ID || !sess.User.Verified {
				t.Fatalf("linked session %+v, want minji's, verified", sess.User)
			}
			if ids := api.identities(t, minji.ID); len(ids) != 1 || ids[0].Provider != oauth.Google || ids[0].Subject != "google-minji" {
				t.Fatalf("identities %+v", ids)
			}
			// The ticket is spent.
			b.post("/api/v1/auth/oauth/link", map[string]any{"ticket": tk, "password": "correct horse"}).mustStatus(t, http.StatusBadRequest)
			// Now Google signs straight in; Kakao, not linked, still asks.
			b3 := api.browser(t)
			if out := b3.claim(b3.ticket(oauth.Google)); out.Status != accounts.OAuthSignedIn || out.Session.User.ID != minji.ID {
				t.Fatalf("after linking: %+v", out)
			}
			if out := b3.claim(b3.ticket(oauth.Kakao)); out.Status != accounts.OAuthLinkRequired {
				t.Fatalf("kakao: %+v", out)
			}
		})
	}
}

// An e-mail the provider did not verify never links and is not stored as
// verified; Facebook's never counts as verified.
func TestOAuthUnverifiedEmailNeverLinks(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			api := newOAuthAPI(t, kind, oauth.Google, oauth.Facebook)
			_, minji := api.signupLogin("minji", store.RoleCustomer)
			api.fakes[oauth.Google].SetUser(oauthfake.User{Subject: "g-1", Email: "minji@example.com", EmailVerified: false, Name: "가짜"})
			api.fakes[oauth.Facebook].SetUser(oauthfake.User{Subject: "f-1", Email: "minji@example.com", Name: "가짜"})
			for _, p := range []string{oauth.Google, oauth.Facebook} {
				b := api.browser(t)
				tk := b.ticket(p)
				if out := b.claim(tk); out.Status != accounts.OAuthSignupRequired || out.EmailVerified {
					t.Fatalf("%s claim %+v, want signup_required, unverified", p, out)
				}
				pr := b.post("/api/v1/auth/oauth/link", map[string]any{"ticket": tk, "password": "correct horse"}).problem(t)
				if pr.Status != 403 || pr.Code != "oauth_email_unverified" {
					t.Fatalf("%s link: %+v", p, pr)
				}
				if ids := api.identities(t, minji.ID); len(ids) != 0 {
					t.Fatalf("%s linked an unverified address: %+v", p, ids)
				}
				var sess accounts.Session
				b.post("/api/v1/auth/oauth/signup", signupBody(tk, "other-"+p, store.RoleCustomer)).mustStatus(t, http.StatusCreated).decode(t, &sess)
				if sess.User.ID == minji.ID || sess.User.Verified {
					t.Fatalf("%s signup %+v: want a new, unverified account", p, sess.User)
				}
				ids := api.identities(t, sess.User.ID)
				if len(ids) != 1 || ids[0].EmailVerified {
					t.Fatalf("%s identities %+v", p, ids)
				}
			}
		})
	}
}

// A new user picks the role: an owner waits for approval, a bad pick is
// refused and makes nothing.
func TestOAuthNewUserPicksRole(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			api := newOAuthAPI(t, kind, oauth.Kakao)
			b := api.browser(t)
			tk := b.ticket(oauth.Kakao)
			for _, bad := range []map[string]any{
				signupBody(tk, "boss", store.RoleAdmin),
				signupBody(tk, "x", store.RoleOwner),
				{"ticket": tk, "role": "owner", "login_id": "boss", "nickname": "사장", "phone": "010-2222-3333", "business_number": "220-81-62518"},
			} {
				if p := b.post("/api/v1/auth/oauth/signup", bad).problem(t); p.Code != "validation_failed" {
					t.Fatalf("%v: %+v", bad, p)
				}
			}
			var sess accounts.Session
			b.post("/api/v1/auth/oauth/signup", map[string]any{"ticket": tk, "role": "owner", "login_id": "boss", "nickname": "사장",
				"phone": "010-2222-3333", "business_number": "220-81-62517"}).mustStatus(t, http.StatusCreated).decode(t, &sess)
			u, err := api.store.UserByID(t.Context(), sess.User.ID)
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != store.RoleOwner || u.Approval != store.ApprovalPending || u.BusinessNumber != "2208162517" || u.PasswordHash != "" {
				t.Fatalf("owner %+v", u)
			}
			// No password: a password login as it fails like any wrong one.
			for _, pw := range []string{"anything at all", "illuwa-timing-equaliser"} { // the latter is the unknown login's dummy
				api.do("POST", "/api/v1/auth/login", "", map[string]any{"login_id": "boss", "password": pw}).mustStatus(t, http.StatusUnauthorized)
			}
		})
	}
}

// An account made through one provider has no password, so another
// provider with its verified e-mail cannot be linked to it (not even with
// the password an unknown login id is checked against).
func TestOAuthPasswordlessAccountNotLinkable(t *testing.T) {
	t.Parallel()
	api := newOAuthAPI(t, store.SQLite, oauth.Kakao, oauth.Google)
	api.fakes[oauth.Google].SetUser(oauthfake.User{Subject: "g-jiwoo", Email: "new-kakao@example.com", EmailVerified: true})
	b := api.browser(t)
	var sess accounts.Session
	b.post("/api/v1/auth/oauth/signup", signupBody(b.ticket(oauth.Kakao), "jiwoo", store.RoleCustomer)).mustStatus(t, http.StatusCreated).decode(t, &sess)
	tk := b.ticket(oauth.Google)
	if out := b.claim(tk); out.Status != accounts.OAuthLinkRequired {
		t.Fatalf("claim %+v", out)
	}
	for _, pw := range []string{"", "illuwa-timing-equaliser"} {
		res := b.post("/api/v1/auth/oauth/link", map[string]any{"ticket": tk, "password": pw})
		if res.Status != http.StatusUnauthorized && res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("password %q: %d %s", pw, res.Status, res.Body)
		}
	}
	if ids := api.identities(t, sess.User.ID); len(ids) != 1 || ids[0].Provider != oauth.Kakao {
		t.Fatalf("identities %+v", ids)
	}
}
