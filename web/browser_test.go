package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/illuwa/illuwa/web/browsertest"
)

// The stalls of the browser test, all within a phone screen of the default
// centre at the default zoom.
var (
	stallA = fakeStall{ID: 1, Name: "을지로 어묵", Lat: 37.5672, Lng: 126.9801, At: "2026-11-25T08:00:00.100Z"}
	stallB = fakeStall{ID: 2, Name: "종각 떡볶이", Lat: 37.5690, Lng: 126.9830, At: "2026-11-25T08:00:00.2Z"}
	stallC = fakeStall{ID: 3, Name: "시청 붕어빵", Lat: 37.5651, Lng: 126.9760, At: "2026-11-25T08:00:00.300000001Z"}
	// stallA after it moved, and a stall that opened.
	movedA = fakeStall{ID: 1, Name: "을지로 어묵", Lat: 37.5628, Lng: 126.9845, At: "2026-11-25T08:00:01.1Z"}
	openD  = fakeStall{ID: 4, Name: "명동 호떡", Lat: 37.5610, Lng: 126.9720, At: "2026-11-25T08:00:01.2Z"}
)

// latLng is a marker position as window.illuwa.markers holds it.
type latLng struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

func TestBrowserLiveMap(t *testing.T) {
	viewports := []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"phone", 390, 844, true},
		{"desktop", 1280, 800, false},
	}
	browser := browsertest.Start(t)
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			fake := newFakeRealtime(t, stallA, stallB, stallC)
			srv := mustServeApp(t, fake)
			ctx, consoleErrors := browsertest.OpenTab(t, browser)

			emulate := []chromedp.EmulateViewportOption{chromedp.EmulateScale(2)}
			if vp.mobile {
				emulate = append(emulate, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
			}
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(vp.width, vp.height, emulate...),
				chromedp.Navigate(srv.URL+"/"),
			); err != nil {
				t.Fatalf("open page: %v", err)
			}

			// The snapshot draws the three stalls.
			waitFor(t, ctx, "live with the snapshot's 3 markers",
				`illuwa.state === "live" && illuwa.markers.size === 3 && document.querySelectorAll(".illuwa-stall").length === 3`)
			assertMarkers(t, ctx, map[uint64]fakeStall{1: stallA, 2: stallB, 3: stallC})

			watches := fake.watchList()
			if len(watches) == 0 {
				t.Fatal("no watch received")
			}
			w := watches[0]
			if math.Abs(w.Lat-DefaultLat) > 1e-4 || math.Abs(w.Lng-DefaultLng) > 1e-4 {
				t.Errorf("watch centre = %v,%v, want the default centre %v,%v", w.Lat, w.Lng, DefaultLat, DefaultLng)
			}
			if w.RadiusM < 1 || w.RadiusM > 5000 || w.RadiusM != math.Trunc(w.RadiusM) {
				t.Errorf("watch radius_m = %v, want an integer in 1..5000", w.RadiusM)
			}

			// Live events: A moves, D opens, B leaves; a stale move of C (older
			// than the snapshot's position) is ignored.
			fake.push(
				event("pocha.moved", movedA),
				event("pocha.opened", openD),
				map[string]any{"type": "pocha.left", "id": stallB.ID, "lat": 37.58, "lng": 126.99, "at": "2026-11-25T08:00:01.3Z"},
				event("pocha.moved", fakeStall{ID: 3, Name: stallC.Name, Lat: 37.50, Lng: 126.90, At: "2026-11-25T08:00:00.3Z"}),
			)
			waitFor(t, ctx, "the events applied",
				`illuwa.markers.size === 3 && !illuwa.markers.has(2) && illuwa.markers.has(4) && illuwa.markers.get(1).lat === 37.5628`)
			assertMarkers(t, ctx, map[uint64]fakeStall{1: movedA, 3: stallC, 4: openD})
			waitFor(t, ctx, "3 markers drawn and counted",
				`document.querySelectorAll(".illuwa-stall").length === 3 && document.getElementById("count").dataset.count === "3"`)

			// The moved marker ends where the event put it (after its animation).
			waitFor(t, ctx, "the moved marker drawn at its new position", markerAtJS(movedA))
			if !evalBool(t, ctx, `illuwa.drawn(2) === null`) {
				t.Error("the stall that left is still drawn")
			}

			// Its popup names it and links to its page.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.illuwa-stall[title="`+movedA.Name+`"]`))); err != nil {
				t.Fatalf("click marker: %v", err)
			}
			waitFor(t, ctx, "the popup with the stall page link",
				`(() => { const a = document.querySelector(".stall-popup a"); return !!a && a.getAttribute("href") === "/pochas/1" && document.querySelector(".stall-popup strong").textContent === "`+movedA.Name+`"; })()`)

			waitFor(t, ctx, "the popup faded in", `getComputedStyle(document.querySelector(".leaflet-popup")).opacity === "1"`)
			saveScreenshot(t, ctx, "map-"+vp.name+".png")

			// A dropped connection reconnects, now with the token stored meanwhile,
			// and watches again; the new snapshot agrees with the events.
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`localStorage.setItem("illuwa_token", "tok en/1")`)); err != nil {
				t.Fatalf("store token: %v", err)
			}
			before := len(fake.watchList())
			fake.dropAll()
			waitFor(t, ctx, "reconnected", `illuwa.state === "live" && illuwa.markers.size === 3`)
			deadline := time.Now().Add(15 * time.Second)
			for len(fake.watchList()) <= before {
				if time.Now().After(deadline) {
					t.Fatal("no watch after the reconnect")
				}
				time.Sleep(20 * time.Millisecond)
			}
			assertMarkers(t, ctx, map[uint64]fakeStall{1: movedA, 3: stallC, 4: openD})
			if tokens := fake.tokenList(); len(tokens) != 2 || tokens[0] != "" || tokens[1] != "tok en/1" {
				t.Errorf("connection tokens = %q, want anonymous then %q", tokens, "tok en/1")
			}

			if errs := consoleErrors(); len(errs) > 0 {
				t.Errorf("page errors:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

func event(typ string, s fakeStall) map[string]any {
	return map[string]any{"type": typ, "id": s.ID, "name": s.Name, "lat": s.Lat, "lng": s.Lng, "at": s.At}
}

// markerAtJS is true when s's marker is drawn at s's position, that is when
// its move animation is over.
func markerAtJS(s fakeStall) string {
	return fmt.Sprintf(`(() => { const p = illuwa.drawn(%d); return !!p && p.lat === %v && p.lng === %v; })()`, s.ID, s.Lat, s.Lng)
}

func assertMarkers(t *testing.T, ctx context.Context, want map[uint64]fakeStall) {
	t.Helper()
	got := map[uint64]latLng{}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(Object.fromEntries(illuwa.markers))`))
	if err != nil {
		t.Fatalf("read markers: %v", err)
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("decode markers %s: %v", raw, err)
	}
	if len(got) != len(want) {
		t.Fatalf("markers = %s, want %d of them", raw, len(want))
	}
	for id, s := range want {
		if p, ok := got[id]; !ok || p.Lat != s.Lat || p.Lng != s.Lng {
			t.Errorf("marker %d = %+v (present %v), want %v,%v", id, p, ok, s.Lat, s.Lng)
		}
	}
}

func evalBool(t *testing.T, ctx context.Context, expr string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls the JavaScript condition until it is true, failing the test
// with the page's state when 15 s pass.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(window.illuwa && (`+cond+`))`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
				`JSON.stringify({state: window.illuwa?.state, markers: Object.fromEntries(window.illuwa?.markers ?? [])})`))
			t.Fatalf("waiting for %s: not true after 15s (last error %v); page state %s", what, err, state)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot is not a PNG (%d bytes)", len(png))
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Size() != int64(len(png)) {
		t.Fatalf("screenshot file %s: %v", path, err)
	}
	// ILLUWA_SCREENSHOT_DIR keeps the screenshots for a person to look at.
	if dir := os.Getenv("ILLUWA_SCREENSHOT_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Errorf("keep screenshot: %v", err)
		}
	}
}

// mustServeApp serves the web app with tiles from a port where nothing
// listens, and the fake realtime server at /ws.
func mustServeApp(t *testing.T, fake http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/ws", fake)
	mux.Handle("/", Handler(Config{TileURL: "http://127.0.0.1:1/{z}/{x}/{y}.png", TileAttribution: "no tiles in tests"}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
