package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/illuwa/illuwa/web/browsertest"
)

// TestWebAppOwnerDevices: in the owner console the owner makes a pairing
// code (shown in Korean with the command to run), a box pairs with it and
// comes online, the list shows it online, and revoking it from the console
// empties the list and closes the box's socket.
func TestWebAppOwnerDevices(t *testing.T) {
	b := browsertest.Start(t)
	w := startDemoWorld(t)
	base := w.in.base
	ctx, noPageErrors := phoneTab(t, b)
	loginThroughForm(t, ctx, base, "demo-owner-1", "/owner.html")
	waitPage(t, ctx, "the devices card", fmt.Sprintf(`illuwa.pochaID === %d && !document.getElementById("devices-card").hidden &&
		!document.getElementById("devices-empty").hidden && document.getElementById("devices-empty").textContent === "연결된 단말기가 없습니다" &&
		document.getElementById("stall-paused").hidden`, w.stallID))

	act(t, ctx, "make a pairing code", chromedp.ScrollIntoView(chromedp.CSS("#devices-card")), chromedp.Click(chromedp.CSS("#pairing-code-new")))
	waitPage(t, ctx, "the code", `!document.getElementById("pairing-code").hidden && /^[2-9A-HJKMNP-Z]{8}$/.test(document.getElementById("pairing-code-value").textContent) &&
		document.getElementById("pairing-code-help").textContent.includes("illuwa pos-bridge --pair " + document.getElementById("pairing-code-value").textContent)`)
	browsertest.CheckAccessible(t, ctx, "/owner.html (devices)")
	shoot(t, ctx, "owner-devices.png")
	code, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("pairing-code-value").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	var paired struct {
		DeviceID uint64 `json:"device_id"`
		Token    string
	}
	w.in.call("POST", "/api/v1/devices/pair", "", map[string]any{"code": code, "name": "카운터"}, 201, &paired)
	dev, _, err := dialDevice(t, w.in, paired.Token)
	if err != nil {
		t.Fatal(err)
	}
	readType(t, dev, "hello", 5*time.Second)

	act(t, ctx, "refresh", chromedp.Click(chromedp.CSS("#devices-refresh")))
	waitPage(t, ctx, "the box online", fmt.Sprintf(`(() => { const li = document.querySelector('#devices li[data-device="%d"]');
		return li && li.dataset.online === "true" && li.textContent.includes("카운터") && li.textContent.includes("연결됨") &&
			document.getElementById("devices-status").textContent === "POS 단말기가 연결되어 있습니다"; })()`, paired.DeviceID))

	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.confirm = () => true, true)`)); err != nil {
		t.Fatal(err)
	}
	act(t, ctx, "revoke", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#devices li[data-device="%d"] button`, paired.DeviceID))))
	waitPage(t, ctx, "the list empty", `!document.getElementById("devices-empty").hidden && !document.querySelector("#devices li")`)
	dev.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := dev.ReadMessage(); err != nil {
			break
		}
	}
	w.in.call("GET", "/api/v1/orders", paired.Token, nil, 401, nil)
	noPageErrors()
}
