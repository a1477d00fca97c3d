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
// the order's status page showing "paid". The owner (over HTTP) accepts, and
// the same page, without reloading, shows "accepted" from the WebSocket push.
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
	run("open the login page",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(in.base+"/login.html?next=/pochas/"+itoa(stall.ID)))
	waitPage(t, ctx, "the login form", `!!document.getElementById("login-id")`)
	run("log in",
		chromedp.SendKeys(chromedp.CSS("#login-id"), "demo-customer"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), DemoPassword),
		chromedp.Click(chromedp.CSS("#login-submit")))
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

	// The owner accepts; the page shows it live, in the same document.
	run("mark the document", chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))
	in.call("POST", "/api/v1/orders/"+itoa(orderID)+"/accept", owner, map[string]any{"ready_in_minutes": 7}, 200, nil)
	waitPage(t, ctx, "the order page showing accepted",
		`window.sameDocument === true && document.getElementById("order-status").dataset.status === "accepted" && document.getElementById("order-status").textContent === "조리 중" && document.getElementById("order-eta").textContent.includes("7")`)
	shoot(t, ctx, "webapp-accepted.png")

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
