package app

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/illuwa/illuwa/handlers/mail/mailtest"
	"github.com/illuwa/illuwa/web/browsertest"
)

// TestWebMailLinkPages follows the links of real mails in headless Chromium:
// the verification page verifies the address, and the reset page asks for a
// mail and then, from its link, sets a new password. Each page is checked
// with axe-core.
func TestWebMailLinkPages(t *testing.T) {
	b := browsertest.Start(t)
	smtpd := mailtest.Start(t, mailtest.Options{})
	in := start(t, map[string]string{"ILLUWA_SMTP_URL": smtpd.URL()})
	token := in.account("linkuser", "customer")
	ctx, noPageErrors := phoneTab(t, b)

	link := smtpd.Wait("linkuser@example.com", "이메일 주소를 확인").Link("/verify?token=")
	if link == "" {
		t.Fatal("no verification link")
	}
	act(t, ctx, "open the verification link", chromedp.Navigate(link))
	waitPage(t, ctx, "verified", `illuwa.state === "verified" && document.getElementById("verify-status").textContent.includes("확인했습니다")`)
	browsertest.CheckAccessible(t, ctx, "/verify")
	var me struct{ Verified bool }
	in.call("GET", "/api/v1/me", token, nil, 200, &me)
	if !me.Verified {
		t.Fatal("the page did not verify the address")
	}
	act(t, ctx, "open it again", chromedp.Navigate(link))
	waitPage(t, ctx, "a used link", `illuwa.state === "failed" && !document.getElementById("verify-error").hidden`)

	visit(t, ctx, in.base, "/reset", `illuwa.state === "ready" && !document.getElementById("request-form").hidden`, "")
	act(t, ctx, "ask for a reset mail",
		chromedp.SendKeys(chromedp.CSS(`#request-form input[name="email"]`), "linkuser@example.com"),
		chromedp.Click(chromedp.CSS("#request-submit")))
	waitPage(t, ctx, "asked", `illuwa.state === "requested" && !document.getElementById("request-status").hidden`)
	reset := smtpd.Wait("linkuser@example.com", "비밀번호 재설정").Link("/reset?token=")
	act(t, ctx, "open the reset link", chromedp.Navigate(reset))
	waitPage(t, ctx, "the new password form", `illuwa.state === "ready" && !document.getElementById("confirm-form").hidden`)
	browsertest.CheckAccessible(t, ctx, "/reset")
	act(t, ctx, "set a new password",
		chromedp.SendKeys(chromedp.CSS(`#confirm-form input[name="password"]`), "brand new pocha pass"),
		chromedp.Click(chromedp.CSS("#confirm-submit")))
	waitPage(t, ctx, "reset", `illuwa.state === "reset" && !document.getElementById("confirm-status").hidden`)
	in.login("linkuser", "brand new pocha pass")
	noPageErrors()
}
