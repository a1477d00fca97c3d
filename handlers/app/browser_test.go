package app

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/illuwa/illuwa/web/browsertest"
)

// TestDemoMapMovesInBrowser opens the demo map of the real program in
// headless Chromium and watches stall markers move.
func TestDemoMapMovesInBrowser(t *testing.T) {
	browser := browsertest.Start(t, chromedp.WindowSize(390, 844))
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "24", "ILLUWA_TILE_URL": "http://127.0.0.1:1/{z}/{x}/{y}.png"}, "--demo")
	tab, _ := browsertest.OpenTab(t, browser)
	ctx, cancelTimeout := context.WithTimeout(tab, 60*time.Second)
	defer cancelTimeout()

	type pos struct{ Lat, Lng float64 }
	read := func() (string, map[string]pos) {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.illuwa ? window.illuwa.state : ""`))
		if err != nil {
			t.Fatalf("read page state: %v", err)
		}
		markers, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]pos](
			`window.illuwa ? Object.fromEntries([...window.illuwa.markers].map(([id, m]) => [String(id), {lat: m.lat, lng: m.lng}])) : {}`))
		if err != nil {
			t.Fatalf("read page markers: %v", err)
		}
		return state, markers
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/")); err != nil {
		t.Fatal(err)
	}
	var first map[string]pos
	for deadline := time.Now().Add(20 * time.Second); ; {
		state, m := read()
		if state == "live" && len(m) > 0 {
			first = m
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the map never showed live stalls: state %q, %d markers", state, len(m))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, m := read()
		for id, p := range m {
			if q, ok := first[id]; ok && (q.Lat != p.Lat || q.Lng != p.Lng) {
				return // a marker moved on screen
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no marker moved in 20 s: %v then %v", first, m)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
