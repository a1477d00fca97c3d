package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/illuwa/illuwa/web/browsertest"
)

// TestWebAppListAndSearch drives the map page of the real program (the
// demo's stalls, which have categories and hours): the list view shows the
// stalls in view nearest the centre first with their category and hours;
// a search by a menu item finds what the API finds; both pass axe.
func TestWebAppListAndSearch(t *testing.T) {
	browser := browsertest.Start(t)
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0", "ILLUWA_TILE_URL": "http://127.0.0.1:1/{z}/{x}/{y}.png"}, "--demo")
	ctx, pageErrors := browsertest.OpenTab(t, browser)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("open the map",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(in.base+"/"))
	waitPage(t, ctx, "live with markers", `illuwa.state === "live" && illuwa.markers.size > 0`)
	shoot(t, ctx, "webapp-map.png")

	run("open the list", chromedp.Click(chromedp.CSS("#list-toggle")))
	waitPage(t, ctx, "the list of the stalls in view",
		`!document.getElementById("list").hidden && document.querySelectorAll("#list-items .stall-row").length > 0 &&
		 document.getElementById("list-toggle").getAttribute("aria-expanded") === "true"`)
	// Nearest first, each with the demo's category name and hours.
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const rows = [...document.querySelectorAll("#list-items .stall-row")];
		const c = illuwa.map.getCenter();
		const d = rows.map((r) => { const p = illuwa.markers.get(Number(r.dataset.id)); return illuwa.map.distance(c, [p.lat, p.lng]); });
		return d.every((x, i) => i === 0 || d[i - 1] <= x) && rows.every((r) => r.querySelector(".cat")?.textContent.length > 0 && !!r.querySelector(".hours"));
	})()`))
	if err != nil || !ok {
		t.Fatalf("list rows not nearest first with category and hours (%v): %s", err, text(t, ctx, "#list"))
	}
	browsertest.CheckAccessible(t, ctx, "/ (list)")
	shoot(t, ctx, "webapp-list.png")

	// Search by a menu item: the rows are the API's answer, in its order.
	var want struct{ Items []struct{ ID uint64 } }
	in.call("GET", "/api/v1/pochas/search?q="+url.QueryEscape("어묵탕")+"&lat=37.5665&lng=126.978", "", nil, 200, &want)
	if len(want.Items) == 0 {
		t.Fatal("the demo has no stall selling 어묵탕")
	}
	run("search", chromedp.SendKeys(chromedp.CSS("#q"), "어묵탕"), chromedp.Click(chromedp.CSS(`#finder button[type="submit"]`)))
	var ids []string
	for _, it := range want.Items {
		ids = append(ids, fmt.Sprint(it.ID))
	}
	waitPage(t, ctx, "the search results", fmt.Sprintf(
		`document.getElementById("list").dataset.mode === "search" && [...document.querySelectorAll("#list-items .stall-row")].map((r) => r.dataset.id).join(",") === %q`,
		strings.Join(ids, ",")))
	browsertest.CheckAccessible(t, ctx, "/ (search)")
	shoot(t, ctx, "webapp-search.png")

	// Clearing the search goes back to the stalls in view; an empty search says what to do.
	run("clear", chromedp.Click(chromedp.CSS("#list-clear")))
	waitPage(t, ctx, "the list in view again", `document.getElementById("list").dataset.mode === "view" && document.getElementById("q").value === ""`)
	run("empty search", chromedp.Click(chromedp.CSS(`#finder button[type="submit"]`)))
	waitPage(t, ctx, "the hint", `document.getElementById("find-error").textContent.length > 0`)

	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
	}
}

// text is the visible text of the element the CSS selector finds.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+fmt.Sprintf("%q", sel)+`)?.innerText ?? ""`))
	return s
}
