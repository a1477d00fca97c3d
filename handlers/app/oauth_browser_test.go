package app

import (
	"net"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/illuwa/illuwa/handlers/oauth"
	"github.com/illuwa/illuwa/handlers/oauth/oauthfake"
	"github.com/illuwa/illuwa/web/browsertest"
)

// freePort is a loopback port free a moment ago: the public address (and so
// the callback registered with the provider) must be known before start.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestWebAppOAuthSignUp drives a first sign-in with Kakao (its fake) through
// the real program in headless Chromium: the login page's button, the
// provider's consent, the page that claims the ticket, the role pick and
// the new session; both pages are checked with axe-core. The configuration
// comes from the ILLUWA_OAUTH_KAKAO_* settings.
func TestWebAppOAuthSignUp(t *testing.T) {
	b := browsertest.Start(t)
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	fake := oauthfake.Start(oauthfake.Options{Provider: oauth.Kakao, ClientID: "kakao-rest-key", ClientSecret: "kakao-secret",
		RedirectURL: base + "/api/v1/auth/oauth/kakao/callback",
		User:        oauthfake.User{Subject: "3141592653", Email: "jiwoo@example.com", EmailVerified: true, Name: "지우"}})
	t.Cleanup(fake.Close)
	in := start(t, map[string]string{"ILLUWA_ADDR": "127.0.0.1:" + strconv.Itoa(port), "ILLUWA_PUBLIC_URL": base,
		"ILLUWA_TILE_URL": "http://127.0.0.1:1/{z}/{x}/{y}.png", "ILLUWA_OAUTH_KAKAO_CLIENT_ID": "kakao-rest-key",
		"ILLUWA_OAUTH_KAKAO_CLIENT_SECRET": "kakao-secret", "ILLUWA_OAUTH_KAKAO_ISSUER": fake.URL()})
	ctx, noPageErrors := phoneTab(t, b)

	visit(t, ctx, in.base, "/login.html", `window.illuwa?.state === "ready" && document.querySelector('[data-provider="kakao"]')?.textContent === "카카오로 로그인" &&
		!document.querySelector('[data-provider="google"]')`, "login-oauth.png")
	act(t, ctx, "sign in with Kakao", chromedp.Click(chromedp.CSS(`[data-provider="kakao"]`)))
	waitPage(t, ctx, "the role pick", `location.pathname === "/oauth.html" && location.hash === "" && window.illuwa?.state === "signup" &&
		document.querySelector('#oauth-signup-form input[name="email"]').value === "jiwoo@example.com"`)
	browsertest.CheckAccessible(t, ctx, "/oauth.html")
	shoot(t, ctx, "oauth-signup.png")
	act(t, ctx, "pick a login id and sign up",
		chromedp.SendKeys(chromedp.CSS(`#oauth-signup-form input[name="login_id"]`), "jiwoo"),
		chromedp.SendKeys(chromedp.CSS(`#oauth-signup-form input[name="phone"]`), "010-3333-4444"),
		chromedp.Click(chromedp.CSS("#oauth-signup-submit")))
	waitPage(t, ctx, "signed in on the map", `location.pathname === "/" && !!localStorage.getItem("illuwa_token")`)
	tok, err := chromedp.Run(ctx, chromedp.Evaluate[string](`localStorage.getItem("illuwa_token")`))
	if err != nil {
		t.Fatal(err)
	}
	var me struct {
		LoginID  string `json:"login_id"`
		Role     string
		Verified bool
	}
	in.call("GET", "/api/v1/me", tok, nil, 200, &me)
	if me.LoginID != "jiwoo" || me.Role != "customer" || !me.Verified {
		t.Fatalf("me %+v", me)
	}
	noPageErrors()
}
