package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/illuwa/illuwa/web/browsertest"
)

// TestWebAppFavouriteOpens drives the real program in headless Chromium as
// the demo customer: keep a closed stall as a favourite with the stall
// page's button, wait on the inbox, and see the stall's opening arrive there
// live when its owner opens it; the button shows the favourite after a
// reload and takes it back.
func TestWebAppFavouriteOpens(t *testing.T) {
	browser := browsertest.Start(t)
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0", "ILLUWA_TILE_URL": "http://127.0.0.1:1/{z}/{x}/{y}.png"}, "--demo")
	owner := in.login("demo-owner-2", DemoPassword)
	customer := in.login("demo-customer", DemoPassword)
	var mine struct {
		Items []struct {
			ID   uint64
			Name string
		}
	}
	in.call("GET", "/api/v1/pochas/mine", owner, nil, 200, &mine)
	stall := mine.Items[0]
	path := "/api/v1/pochas/" + itoa(stall.ID)
	in.call("POST", path+"/close", owner, nil, 200, nil)

	ctx, pageErrors := browsertest.OpenTab(t, browser)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	loginThroughForm(t, ctx, in.base, "demo-customer", "/pochas/"+itoa(stall.ID))
	waitPage(t, ctx, "the stall page with the favourite button", fmt.Sprintf(
		`location.pathname === "/pochas/%d" && illuwa.state === "ready" && !document.getElementById("fav").hidden && document.getElementById("fav").getAttribute("aria-pressed") === "false"`, stall.ID))
	run("keep it as a favourite", chromedp.Click(chromedp.CSS("#fav")))
	waitPage(t, ctx, "the favourite kept", `illuwa.favourite === true && document.getElementById("fav").getAttribute("aria-pressed") === "true"`)
	browsertest.CheckAccessible(t, ctx, "/pochas/{id} (favourite)")
	var favs struct{ Items []struct{ ID uint64 } }
	in.call("GET", "/api/v1/me/favourites", customer, nil, 200, &favs)
	if len(favs.Items) != 1 || favs.Items[0].ID != stall.ID {
		t.Fatalf("favourites after the button: %+v", favs)
	}

	// On the inbox, the opening arrives live.
	run("open the inbox", chromedp.Navigate(in.base+"/inbox.html"))
	waitPage(t, ctx, "the inbox", `location.pathname === "/inbox.html" && illuwa.state === "ready"`)
	in.call("POST", path+"/open", owner, map[string]any{"lat": 37.5665, "lng": 126.978}, 200, nil)
	waitPage(t, ctx, "the opening in the inbox", fmt.Sprintf(
		`[...illuwa.items.values()].filter((n) => n.kind === "favourite_opened").length === 1 && document.body.innerText.includes(%q)`, stall.Name))
	shoot(t, ctx, "webapp-favourite-opened.png")

	// The button remembers it, and takes it back.
	run("back to the stall", chromedp.Navigate(in.base+"/pochas/"+itoa(stall.ID)))
	waitPage(t, ctx, "the favourite shown", `illuwa.state === "ready" && document.getElementById("fav").getAttribute("aria-pressed") === "true"`)
	run("drop the favourite", chromedp.Click(chromedp.CSS("#fav")))
	waitPage(t, ctx, "the favourite dropped", `illuwa.favourite === false && document.getElementById("fav").getAttribute("aria-pressed") === "false"`)
	in.call("GET", "/api/v1/me/favourites", customer, nil, 200, &favs)
	if len(favs.Items) != 0 {
		t.Fatalf("favourites after dropping: %+v", favs)
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}
