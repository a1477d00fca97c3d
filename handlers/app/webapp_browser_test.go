package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/illuwa/illuwa/web/browsertest"
)

// TestWebAppOrderAndPay drives the web app of the real program in headless
// Chromium as the demo customer: log in, open a stall page, put an item in
// the cart twice, order, pay on the fake gateway's checkout page, and land on
// the order's status page showing "paid". The owner accepts, and
// the same page, without reloading, shows "accepted" and then "ready" from
// the WebSocket pushes, as the owner presses the buttons of the console in a
// browser of their own (where the order shows once, also after a reload).
func TestWebAppOrderAndPay(t *testing.T) {
	browser := browsertest.Start(t)
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0", "ILLUWA_TILE_URL": "http://127.0.0.1:1/{z}/{x}/{y}.png"}, "--demo")

	owner := in.login("demo-owner-1", DemoPassword)
	var mine struct {
		Items []struct {
			ID     uint64
			Name   string
			IsOpen bool `json:"is_open"`
		}
	}
	in.call("GET", "/api/v1/pochas/mine", owner, nil, 200, &mine)
	if len(mine.Items) == 0 || !mine.Items[0].IsOpen {
		t.Fatalf("demo owner has no open stall: %+v", mine)
	}
	stall := mine.Items[0]
	var menu struct {
		Items []struct {
			ID      uint64
			Name    string
			Price   int64
			SoldOut bool `json:"sold_out"`
		}
	}
	in.call("GET", "/api/v1/pochas/"+itoa(stall.ID)+"/menu", "", nil, 200, &menu)
	item := menu.Items[0]
	for _, it := range menu.Items {
		if !it.SoldOut {
			item = it
			break
		}
	}
	if item.SoldOut {
		t.Fatalf("every menu item of stall %d is sold out", stall.ID)
	}

	ctx, pageErrors := browsertest.OpenTab(t, browser)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Log in through the form; it returns to the stall page.
	run("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	loginThroughForm(t, ctx, in.base, "demo-customer", "/pochas/"+itoa(stall.ID))
	waitPage(t, ctx, "the stall page with its menu",
		fmt.Sprintf(`location.pathname === "/pochas/%d" && window.illuwa?.state === "ready" && document.getElementById("name").textContent === %q && !!document.getElementById("who")`,
			stall.ID, stall.Name))
	shoot(t, ctx, "webapp-stall.png")

	// Two of the item, then order: the browser goes to the checkout page.
	plus := chromedp.CSS(fmt.Sprintf(`li[data-item="%d"] button.plus`, item.ID))
	run("add the item twice", chromedp.Click(plus), chromedp.Click(plus))
	waitPage(t, ctx, "the cart", fmt.Sprintf(`document.getElementById("cart-count").textContent === "2개" && illuwa.cart.get(%d) === 2 && !document.getElementById("order").disabled`, item.ID))
	run("order", chromedp.Click(chromedp.CSS("#order")))
	waitPage(t, ctx, "the fake checkout page",
		fmt.Sprintf(`location.pathname.startsWith("/fake-pg/") && !!document.querySelector("form button") && document.body.textContent.includes("%d")`, 2*item.Price))
	shoot(t, ctx, "webapp-checkout.png")
	run("pay", chromedp.Click(chromedp.CSS("form button")))

	// Back through /pay.html (confirm) to the status page, paid.
	waitPage(t, ctx, "the order page showing paid",
		`location.pathname === "/order.html" && document.getElementById("order-status")?.dataset.status === "paid" && document.getElementById("order-status").textContent === "결제 완료" && window.illuwa?.state === "live"`)
	orderID, err := chromedp.Run(ctx, chromedp.Evaluate[uint64](`illuwa.order.id`))
	if err != nil || orderID == 0 {
		t.Fatalf("order id on the page: %v, %v", orderID, err)
	}
	var order orderJSON
	in.call("GET", "/api/v1/orders/"+itoa(orderID), owner, nil, 200, &order)
	if order.Status != "paid" || order.PochaID != stall.ID || order.Total != 2*item.Price {
		t.Fatalf("the order as the owner sees it: %+v, want paid at %d for %d", order, stall.ID, 2*item.Price)
	}
	shoot(t, ctx, "webapp-paid.png")

	// The owner, in a browser of their own, sees the order on the board, once,
	// also after reloading the console, and accepts it in 7 minutes: the
	// customer's page shows it live, in the same document.
	run("mark the document", chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))
	octx, ownerErrors := browsertest.OpenTab(t, browser, chromedp.WithNewBrowserContext())
	orun := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(octx, actions...); err != nil {
			t.Fatalf("owner: %s: %v", what, err)
		}
	}
	orun("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	loginThroughForm(t, octx, in.base, "demo-owner-1", "/owner.html")
	onBoard := fmt.Sprintf(`location.pathname === "/owner.html" && illuwa.state === "live" && illuwa.pochaID === %d && document.querySelectorAll('#board li[data-order="%d"]').length === 1 && document.querySelectorAll("#board li").length === illuwa.orders.size`, stall.ID, orderID)
	waitPage(t, octx, "the order on the owner's board", onBoard)
	orun("reload the console", chromedp.Reload())
	waitPage(t, octx, "the order on the board after a reload, once", onBoard)
	orun("accept in 7 minutes",
		chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`#board li[data-order="%d"] input.minutes`, orderID)), "7"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#board li[data-order="%d"] button.accept`, orderID))))
	waitPage(t, ctx, "the order page showing accepted",
		`window.sameDocument === true && document.getElementById("order-status").dataset.status === "accepted" && document.getElementById("order-status").textContent === "조리 중" && document.getElementById("order-eta").textContent.includes("7")`)
	shoot(t, ctx, "webapp-accepted.png")
	orun("ready", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#board li[data-order="%d"] button.ready`, orderID))))
	waitPage(t, ctx, "the order page showing ready",
		`window.sameDocument === true && document.getElementById("order-status").dataset.status === "ready"`)
	in.call("GET", "/api/v1/orders/"+itoa(orderID), owner, nil, 200, &order)
	if order.Status != "ready" {
		t.Fatalf("after the owner's buttons: %+v", order)
	}
	if errs := ownerErrors(); len(errs) > 0 {
		t.Errorf("owner's page errors:\n%s", strings.Join(errs, "\n"))
	}

	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}

// waitPage polls the JavaScript condition, across page loads, until it is
// true; after 20 s it fails the test with the page's address and text.
func waitPage(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+cond+`); } catch { return false; } })()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 600)`))
			t.Fatalf("waiting for %s: not true after 20s (last error %v); page:\n%s", what, err, where)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shoot keeps a screenshot of the page in ILLUWA_SCREENSHOT_DIR, when set,
// for a person to look at.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("ILLUWA_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Errorf("keep screenshot: %v", err)
	}
}
