package web

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/illuwa/illuwa/web/browsertest"
)

// stall7 is the fake API's stall as the fake /ws knows it.
var stall7 = fakeStall{ID: 7, Name: "을지로 어묵", Lat: 37.5665, Lng: 126.978, At: "2026-11-25T08:00:00Z"}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestBrowserStallPage: the stall page shows the stall, its menu (sold-out
// item without a button), reviews and live position; the cart adds up;
// ordering sends an anonymous visitor to log in and back; the order is
// posted, and with no fake gateway mounted (payments are real) the order
// page explains that card payment is not configured.
func TestBrowserStallPage(t *testing.T) {
	b := browsertest.Start(t)
	api := newFakeAPI(t)
	ws := newFakeRealtime(t, stall7)
	srv := mustServePages(t, api, ws)
	ctx, pageErrors := openPhoneTab(t, b, srv.URL, "")

	do(t, ctx, "open the stall page", chromedp.Navigate(srv.URL+"/pochas/7"))
	waitFor(t, ctx, "the stall, its menu and reviews", `illuwa.state === "ready" &&
		document.getElementById("name").textContent === "을지로 어묵" &&
		document.getElementById("notice").textContent.includes("비 오는 날") &&
		document.querySelector('li[data-item="72"]').classList.contains("soldout") &&
		!document.querySelector('li[data-item="72"] button.plus') &&
		document.querySelectorAll("#reviews li").length === 1 &&
		document.getElementById("stats").textContent.includes("5.0") &&
		!!document.getElementById("login-link")`)

	do(t, ctx, "fill the cart",
		chromedp.Click(chromedp.CSS(`li[data-item="71"] button.plus`)),
		chromedp.Click(chromedp.CSS(`li[data-item="71"] button.plus`)),
		chromedp.Click(chromedp.CSS(`li[data-item="73"] button.plus`)))
	waitFor(t, ctx, "the cart total", `document.getElementById("cart-total").textContent === "11,000원" && document.getElementById("cart-count").textContent === "3개"`)

	// The stall moves: the page follows it; an older position is ignored.
	ws.push(event("pocha.moved", fakeStall{ID: 7, Name: stall7.Name, Lat: 37.5671, Lng: 126.9791, At: "2026-11-25T08:00:05Z"}))
	waitFor(t, ctx, "the new position", `illuwa.position?.lat === 37.5671`)
	ws.push(event("pocha.moved", fakeStall{ID: 7, Name: stall7.Name, Lat: 37.50, Lng: 126.90, At: "2026-11-25T08:00:04Z"}),
		event("pocha.moved", fakeStall{ID: 7, Name: stall7.Name, Lat: 37.5672, Lng: 126.9792, At: "2026-11-25T08:00:06Z"}))
	waitFor(t, ctx, "the newest position", `illuwa.position?.lat === 37.5672`)
	saveScreenshot(t, ctx, "stall-phone.png")

	// Ordering needs a login, which comes back here.
	do(t, ctx, "order anonymously", chromedp.Click(chromedp.CSS("#order")))
	waitFor(t, ctx, "the login page", `location.pathname === "/login.html" && new URLSearchParams(location.search).get("next") === "/pochas/7"`)
	saveScreenshot(t, ctx, "login-phone.png")
	do(t, ctx, "log in",
		chromedp.SendKeys(chromedp.CSS("#login-id"), "minji"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "secret-pw"),
		chromedp.Click(chromedp.CSS("#login-submit")))
	waitFor(t, ctx, "back on the stall page, logged in", `location.pathname === "/pochas/7" && illuwa.state === "ready" && document.getElementById("who").textContent.includes("민지")`)

	do(t, ctx, "order", chromedp.Click(chromedp.CSS(`li[data-item="73"] button.plus`)), chromedp.Click(chromedp.CSS("#order")))
	waitFor(t, ctx, "the order page explaining payments", `location.pathname === "/order.html" &&
		document.getElementById("order-status").dataset.status === "pending_payment" &&
		!document.getElementById("pay-notice").hidden && document.getElementById("pay-notice").dataset.reason === "payments_unavailable"`)
	saveScreenshot(t, ctx, "order-unpaid-phone.png")

	posts := api.callsTo("POST /api/v1/orders")
	if len(posts) != 1 {
		t.Fatalf("POST /orders calls = %d, want 1", len(posts))
	}
	if got, _ := json.Marshal(posts[0].Body); string(got) != `{"items":[{"menu_item_id":73,"quantity":1}],"pocha_id":7}` || posts[0].Token != "tok-customer" {
		t.Errorf("order request = %s with token %q", got, posts[0].Token)
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestBrowserPayAndOrderStatus: the gateway's return page confirms under one
// Idempotency-Key, through a failed first attempt and a reload; the order page
// then follows order.updated pushes, and re-reads the order after a reconnect.
func TestBrowserPayAndOrderStatus(t *testing.T) {
	b := browsertest.Start(t)
	api := newFakeAPI(t)
	api.fakePG = true
	api.confirmFailures = 1
	order := api.addOrder(5, "pending_payment")
	ws := newFakeRealtime(t)
	srv := mustServePages(t, api, ws)
	ctx, pageErrors := openPhoneTab(t, b, srv.URL, "tok-customer")

	payURL := srv.URL + "/pay.html?order=5&paymentKey=pk_test_1&orderId=illuwa-order-5&amount=4000"
	do(t, ctx, "come back from the checkout", chromedp.Navigate(payURL))
	waitFor(t, ctx, "the order page showing paid", `location.pathname === "/order.html" && illuwa.state === "live" && document.getElementById("order-status").dataset.status === "paid"`)
	do(t, ctx, "come back again (a reload)", chromedp.Navigate(payURL))
	waitFor(t, ctx, "the order page again", `location.pathname === "/order.html" && illuwa.state === "live" && document.getElementById("order-status").dataset.status === "paid"`)

	confirms := api.callsTo("POST /api/v1/payments/confirm")
	if len(confirms) != 3 {
		t.Fatalf("confirm calls = %d, want 3 (a 503, its retry, the reload)", len(confirms))
	}
	for i, c := range confirms {
		if !uuidPattern.MatchString(c.IdempotencyKey) || c.IdempotencyKey != confirms[0].IdempotencyKey {
			t.Errorf("confirm %d: Idempotency-Key %q, want the first one's UUID %q", i, c.IdempotencyKey, confirms[0].IdempotencyKey)
		}
		if got, _ := json.Marshal(c.Body); string(got) != `{"amount":4000,"order_id":5,"payment_key":"pk_test_1"}` {
			t.Errorf("confirm %d body = %s", i, got)
		}
	}

	// Live: the owner accepted.
	accepted := copyOrder(order, "accepted", time.Now().Add(time.Minute))
	accepted["ready_in_minutes"] = 12
	ws.send(map[string]any{"type": "order.updated", "order": accepted})
	waitFor(t, ctx, "accepted, live", `document.getElementById("order-status").dataset.status === "accepted" && document.getElementById("order-eta").textContent.includes("12분")`)
	saveScreenshot(t, ctx, "order-accepted-phone.png")

	// A push missed while disconnected is read from the API after reconnecting.
	api.mu.Lock()
	api.orders[5]["status"] = "ready"
	api.orders[5]["updated_at"] = time.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339Nano)
	api.mu.Unlock()
	ws.dropAll()
	waitFor(t, ctx, "ready after the reconnect", `illuwa.state === "live" && document.getElementById("order-status").dataset.status === "ready"`)
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestBrowserOrderReadAnsweredAfterAPush: the read a (re)connect starts is
// answered after a newer push arrived; the page keeps the newer status
// instead of going back to the one the read saw.
func TestBrowserOrderReadAnsweredAfterAPush(t *testing.T) {
	b := browsertest.Start(t)
	api := newFakeAPI(t)
	order := api.addOrder(6, "paid")
	ws := newFakeRealtime(t)
	srv := mustServePages(t, api, ws)
	ctx, pageErrors := openPhoneTab(t, b, srv.URL, "tok-customer")
	do(t, ctx, "open the order page", chromedp.Navigate(srv.URL+"/order.html?id=6"))
	waitFor(t, ctx, "the order page, paid", `illuwa.state === "live" && document.getElementById("order-status").dataset.status === "paid"`)

	hold := make(chan struct{})
	api.mu.Lock()
	api.holdReads = hold
	api.mu.Unlock()
	reads := len(api.callsTo("GET /api/v1/orders/6"))
	ws.dropAll() // the page reconnects and reads the order again: held
	deadline := time.Now().Add(15 * time.Second)
	for len(api.callsTo("GET /api/v1/orders/6")) == reads {
		if time.Now().After(deadline) {
			t.Fatal("the page did not read the order again after reconnecting")
		}
		time.Sleep(20 * time.Millisecond)
	}
	accepted := copyOrder(order, "accepted", time.Now().Add(time.Minute))
	accepted["ready_in_minutes"] = 9
	ws.send(map[string]any{"type": "order.updated", "order": accepted})
	waitFor(t, ctx, "accepted, from the push", `document.getElementById("order-status").dataset.status === "accepted"`)
	api.mu.Lock()
	api.holdReads = nil
	api.mu.Unlock()
	close(hold) // the read answers now, with the order as it was: paid
	time.Sleep(1500 * time.Millisecond)
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("order-status").dataset.status`))
	if err != nil {
		t.Fatal(err)
	}
	if status != "accepted" {
		t.Fatalf("status %q after the older read was answered, want accepted", status)
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestBrowserOwnerConsole: the console lists the open orders, takes a new
// paid order from the WebSocket (sound counted, ack sent), accepts it over
// the API, and broadcasts the phone's position as location messages.
func TestBrowserOwnerConsole(t *testing.T) {
	b := browsertest.Start(t)
	api := newFakeAPI(t)
	api.addOrder(9, "accepted")
	ws := newFakeRealtime(t)
	srv := mustServePages(t, api, ws)
	ctx, pageErrors := openPhoneTab(t, b, srv.URL, "tok-owner")

	lat, lng, acc := 37.5701, 126.9921, 8.0
	if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted, Origin: srv.URL,
	}); err != nil {
		t.Fatalf("grant geolocation: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lng, Accuracy: &acc}); err != nil {
		t.Fatalf("override geolocation: %v", err)
	}

	do(t, ctx, "open the console", chromedp.Navigate(srv.URL+"/owner.html"))
	waitFor(t, ctx, "the console with its board, menu and sales", `illuwa.state === "live" && illuwa.orders.size === 1 &&
		!!document.querySelector('#board li[data-order="9"][data-status="accepted"] button.ready') &&
		document.querySelectorAll("#menu-edit li").length === 3 &&
		document.getElementById("payout").textContent.includes("3,868원")`)

	paid := api.addOrder(11, "paid")
	ws.send(map[string]any{"type": "order.created", "order": paid})
	waitFor(t, ctx, "the new order on the board", `!!document.querySelector('#board li[data-order="11"][data-status="paid"] button.accept') && illuwa.beeps === 1 && illuwa.acked.includes(11)`)
	waitUntil(t, "the ack", func() bool {
		for _, m := range ws.othersOf("ack") {
			if m["order_id"] == float64(11) {
				return true
			}
		}
		return false
	})
	saveScreenshot(t, ctx, "owner-phone.png")

	do(t, ctx, "accept", chromedp.Click(chromedp.CSS(`#board li[data-order="11"] button.accept`)))
	waitFor(t, ctx, "accepted on the board", `!!document.querySelector('#board li[data-order="11"][data-status="accepted"]')`)
	if calls := api.callsTo("POST /api/v1/orders/11/accept"); len(calls) != 1 || calls[0].Body["ready_in_minutes"] != float64(10) {
		t.Errorf("accept calls = %+v, want one with ready_in_minutes 10", calls)
	}

	do(t, ctx, "broadcast", chromedp.Click(chromedp.CSS("#broadcast")))
	waitUntil(t, "a location message", func() bool { return len(ws.othersOf("location")) > 0 })
	loc := ws.othersOf("location")[0]
	if loc["pocha_id"] != float64(7) || loc["lat"] != lat || loc["lng"] != lng {
		t.Errorf("location message = %v, want stall 7 at %v,%v", loc, lat, lng)
	}
	if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(loc["at"])); err != nil || at.IsZero() {
		t.Errorf("location at = %v: %v", loc["at"], err)
	}
	waitFor(t, ctx, "the broadcast status", `illuwa.broadcast.broadcasting && illuwa.broadcast.sent >= 1`)
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}

// openPhoneTab opens a tab emulating a phone on the app at base, logged in
// with the fake API's token when tok is not empty.
func openPhoneTab(t *testing.T, b context.Context, base, tok string) (context.Context, func() []string) {
	t.Helper()
	ctx, pageErrors := browsertest.OpenTab(t, b)
	do(t, ctx, "open the app",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
		chromedp.Navigate(base+"/favicon.svg"))
	if tok != "" {
		user, _ := json.Marshal(fakeUsers[tok])
		do(t, ctx, "store the session", chromedp.Evaluate[chromedp.Void](
			fmt.Sprintf(`localStorage.setItem("illuwa_token", %q); localStorage.setItem("illuwa_user", %q)`, tok, user)))
	}
	return ctx, pageErrors
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitUntil polls cond until it is true, failing the test after 15 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not true after 15s", what)
		}
	}
}

func copyOrder(o map[string]any, status string, updated time.Time) map[string]any {
	c := make(map[string]any, len(o))
	for k, v := range o {
		c[k] = v
	}
	c["status"] = status
	c["updated_at"] = updated.UTC().Format(time.RFC3339Nano)
	return c
}
