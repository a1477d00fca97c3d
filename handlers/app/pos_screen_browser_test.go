package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/illuwa/illuwa/web/browsertest"
)

// TestWebAppPOSScreen drives the tablet POS screen of the real program as
// the demo owner: a paid order arrives live with a sound, is accepted with
// a chosen preparation time, made ready and handed over with the big
// buttons; another is rejected with a ready-made reason; after a reload the
// screen shows the same open orders, none twice.
func TestWebAppPOSScreen(t *testing.T) {
	browser := browsertest.Start(t)
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0", "ILLUWA_TILE_URL": "http://127.0.0.1:1/{z}/{x}/{y}.png"}, "--demo")
	owner := in.login("demo-owner-1", DemoPassword)
	customer := in.login("demo-customer", DemoPassword)
	var mine struct{ Items []struct{ ID uint64 } }
	in.call("GET", "/api/v1/pochas/mine", owner, nil, 200, &mine)
	pid := mine.Items[0].ID

	ctx, pageErrors := browsertest.OpenTab(t, browser)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("tablet size", chromedp.EmulateViewport(1024, 768, chromedp.EmulateScale(1), chromedp.EmulateTouch))
	loginThroughForm(t, ctx, in.base, "demo-owner-1", "/pos.html?pocha="+itoa(pid))
	waitPage(t, ctx, "the POS screen, live", fmt.Sprintf(`location.pathname === "/pos.html" && illuwa.state === "live" && illuwa.pochaID === %d && illuwa.reads >= 1`, pid))
	run("turn the sound on", chromedp.Click(chromedp.CSS("#sound")))

	first := paidDemoOrder(t, in, customer, pid).ID
	sel := func(id uint64, cls string) string {
		return fmt.Sprintf(`#queue-paid li[data-order="%d"] button.%s`, id, cls)
	}
	waitPage(t, ctx, "the new order with a beep", fmt.Sprintf(`!!document.querySelector('#queue-paid li[data-order="%d"]') && illuwa.beeps === 1 && illuwa.acked.includes(%d)`, first, first))
	browsertest.CheckAccessible(t, ctx, "/pos.html")
	shoot(t, ctx, "webapp-pos.png")

	// 15 minutes, accept: it moves to "cooking" with its ready time.
	run("accept in 15 minutes",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#queue-paid li[data-order="%d"] button.minutes:nth-of-type(3)`, first))),
		chromedp.Click(chromedp.CSS(sel(first, "accept"))))
	waitPage(t, ctx, "the order cooking", fmt.Sprintf(`!!document.querySelector('#queue-accepted li[data-order="%d"]') && document.getElementById("n-paid").textContent === "0"`, first))
	var got orderJSON
	in.call("GET", "/api/v1/orders/"+itoa(first), owner, nil, 200, &got)
	if got.Status != "accepted" || got.ReadyInMinutes != 15 {
		t.Fatalf("accepted order: %+v", got)
	}

	// A second order is rejected with a ready-made reason.
	second := paidDemoOrder(t, in, customer, pid).ID
	waitPage(t, ctx, "the second order", fmt.Sprintf(`!!document.querySelector('#queue-paid li[data-order="%d"]') && illuwa.beeps === 2`, second))
	run("reject: sold out", chromedp.Click(chromedp.CSS(sel(second, "reject"))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#queue-paid li[data-order="%d"] button.reason`, second))))
	waitPage(t, ctx, "the rejected order gone", fmt.Sprintf(`!document.querySelector('li[data-order="%d"]')`, second))
	in.call("GET", "/api/v1/orders/"+itoa(second), owner, nil, 200, &got)
	if got.Status != "cancelled" {
		t.Fatalf("rejected order: %+v", got)
	}

	// A reload shows the same open orders, once each; then ready and handed over.
	run("reload", chromedp.Reload())
	waitPage(t, ctx, "the screen again", fmt.Sprintf(`illuwa.state === "live" && illuwa.reads >= 1 && document.querySelectorAll('li[data-order="%d"]').length === 1 && document.querySelectorAll(".pos-order").length === 1`, first))
	run("ready", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#queue-accepted li[data-order="%d"] button.ready`, first))))
	waitPage(t, ctx, "waiting for pickup", fmt.Sprintf(`!!document.querySelector('#queue-ready li[data-order="%d"]')`, first))
	run("handed over", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#queue-ready li[data-order="%d"] button.complete`, first))))
	waitPage(t, ctx, "no open order", `document.querySelectorAll(".pos-order").length === 0 && !document.getElementById("board-empty").hidden`)
	in.call("GET", "/api/v1/orders/"+itoa(first), owner, nil, 200, &got)
	if got.Status != "completed" {
		t.Fatalf("handed-over order: %+v", got)
	}
	time.Sleep(100 * time.Millisecond) // let a late error reach the console
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}
