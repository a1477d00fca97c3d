package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/oauth"
	"github.com/illuwa/illuwa/handlers/oauth/oauthfake"
)

const redirect = "http://127.0.0.1:1/api/v1/auth/oauth/cb"

// authorize runs the provider's authorization step as a browser would and
// returns the code it redirected back with.
func authorize(t *testing.T, p oauth.Provider, state, nonce, verifier string) string {
	t.Helper()
	ctx := context.Background()
	u, err := p.AuthCodeURL(ctx, state, nonce, verifier)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := loc.Query().Get("state"); got != state {
		t.Fatalf("state %q came back, want %q", got, state)
	}
	return loc.Query().Get("code")
}

func start(t *testing.T, name string, u oauthfake.User) (*oauthfake.Server, oauth.Provider) {
	t.Helper()
	f := oauthfake.Start(oauthfake.Options{Provider: name, ClientID: "client-" + name, ClientSecret: "secret-" + name,
		RedirectURL: redirect, User: u})
	t.Cleanup(f.Close)
	p, err := oauth.New(name, f.Config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

func TestExchangePerProvider(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		wantVerified bool
	}{{oauth.Kakao, true}, {oauth.Google, true}, {oauth.Facebook, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, p := start(t, tc.name, oauthfake.User{Subject: "sub-1", Email: "minji@example.com", EmailVerified: true, Name: "민지"})
			code := authorize(t, p, "state-1", "nonce-1", "verifier-verifier-verifier-verifier-verifier")
			id, err := p.Exchange(context.Background(), code, "verifier-verifier-verifier-verifier-verifier", "nonce-1")
			if err != nil {
				t.Fatal(err)
			}
			want := oauth.Identity{Provider: tc.name, Subject: "sub-1", Email: "minji@example.com", EmailVerified: tc.wantVerified, Name: "민지"}
			if id != want {
				t.Fatalf("identity %+v, want %+v", id, want)
			}
			// The code is spent.
			_, err = p.Exchange(context.Background(), code, "verifier-verifier-verifier-verifier-verifier", "nonce-1")
			if !errors.Is(err, oauth.ErrCodeInvalid) {
				t.Fatalf("replayed code: %v, want ErrCodeInvalid", err)
			}
		})
	}
}

func TestExchangeRefusals(t *testing.T) {
	t.Parallel()
	const verifier = "verifier-verifier-verifier-verifier-verifier"
	tests := []struct {
		name     string
		provider string
		claims   func(map[string]any)
		verifier string
		nonce    string
		want     error
	}{
		{"wrong_audience", oauth.Google, func(c map[string]any) { c["aud"] = "someone-else" }, verifier, "n", oauth.ErrTokenInvalid},
		{"expired", oauth.Kakao, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, verifier, "n", oauth.ErrTokenInvalid},
		{"wrong_issuer", oauth.Kakao, func(c map[string]any) { c["iss"] = "https://kauth.kakao.com" }, verifier, "n", oauth.ErrTokenInvalid},
		{"wrong_nonce", oauth.Google, func(c map[string]any) { c["nonce"] = "other" }, verifier, "n", oauth.ErrTokenInvalid},
		{"wrong_verifier_kakao", oauth.Kakao, nil, verifier + "x", "n", oauth.ErrCodeInvalid},
		{"wrong_verifier_facebook", oauth.Facebook, nil, verifier + "x", "", oauth.ErrCodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, p := start(t, tc.provider, oauthfake.User{Subject: "s", Email: "a@example.com", EmailVerified: true})
			f.SetClaims(tc.claims)
			code := authorize(t, p, "st", "n", verifier)
			_, err := p.Exchange(context.Background(), code, tc.verifier, tc.nonce)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWrongSecretRefused(t *testing.T) {
	t.Parallel()
	f := oauthfake.Start(oauthfake.Options{Provider: oauth.Google, ClientID: "c", ClientSecret: "right", RedirectURL: redirect,
		User: oauthfake.User{Subject: "s"}})
	t.Cleanup(f.Close)
	cfg := f.Config()
	cfg.ClientSecret = "wrong"
	p, err := oauth.New(oauth.Google, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := authorize(t, p, "st", "n", "verifier-verifier-verifier-verifier-verifier")
	if _, err := p.Exchange(context.Background(), code, "verifier-verifier-verifier-verifier-verifier", "n"); !errors.Is(err, oauth.ErrCodeInvalid) {
		t.Fatalf("err %v, want ErrCodeInvalid", err)
	}
	if f.Issued() != 0 {
		t.Fatalf("%d tokens issued to a wrong secret", f.Issued())
	}
}

func TestUnreachableProvider(t *testing.T) {
	t.Parallel()
	p, err := oauth.New(oauth.Kakao, oauth.Config{ClientID: "c", ClientSecret: "s", RedirectURL: redirect, Issuer: "http://127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AuthCodeURL(context.Background(), "s", "n", "v"); !errors.Is(err, oauth.ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
}
