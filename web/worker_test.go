package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler(Config{}).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 200 {
		t.Fatalf("GET %s: status %d", path, rec.Code)
	}
	return rec
}

var workerLines = regexp.MustCompile(`const VERSION = "([A-Za-z0-9_-]+)";\nconst SHELL = (\[.*\]);`)

// TestServiceWorkerStamped: /sw.js carries this release's digest and the
// shell it caches (pages, scripts, the dictionary, vendored Leaflet, the
// offline page), not itself and not the API.
func TestServiceWorkerStamped(t *testing.T) {
	rec := get(t, "/sw.js")
	if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "text/javascript; charset=utf-8" || cc != "no-cache" {
		t.Errorf("sw.js: Content-Type %q, Cache-Control %q", ct, cc)
	}
	m := workerLines.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("sw.js has no stamped VERSION and SHELL:\n%.400s", rec.Body.String())
	}
	if m[1] == "dev" || len(m[1]) < 10 {
		t.Errorf("VERSION = %q", m[1])
	}
	var shell []string
	if err := json.Unmarshal([]byte(m[2]), &shell); err != nil {
		t.Fatalf("SHELL: %v", err)
	}
	have := map[string]bool{}
	for _, u := range shell {
		have[u] = true
	}
	for _, want := range []string{"/index.html", "/pocha.html", "/owner.html", "/offline.html", "/app.js", "/i18n.js", "/messages.ko.json", "/messages.en.json",
		"/page.css", "/manifest.webmanifest", "/icons/icon-192.png", "/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css"} {
		if !have[want] {
			t.Errorf("SHELL lacks %s", want)
		}
	}
	for _, not := range []string{"/sw.js", "/vendor/leaflet/LICENSE", "/config.json"} {
		if have[not] {
			t.Errorf("SHELL has %s", not)
		}
	}
	h := Handler(Config{})
	for _, u := range shell {
		r := httptest.NewRecorder()
		h.ServeHTTP(r, httptest.NewRequest("GET", u, nil))
		if r.Code != 200 {
			t.Errorf("SHELL entry %s: status %d", u, r.Code)
		}
	}
	if etag := rec.Header().Get("ETag"); etag == "" {
		t.Error("sw.js has no ETag")
	}
}

// TestServiceWorkerVersionFollowsFiles: any changed file makes a new version.
func TestServiceWorkerVersionFollowsFiles(t *testing.T) {
	files := loadFiles(staticFS)
	a := buildWorker(files)
	again := buildWorker(files)
	if a.version != again.version {
		t.Fatalf("the same files give versions %q and %q", a.version, again.version)
	}
	changed := *files["app.js"]
	changed.etag = `"changed"`
	files["app.js"] = &changed
	if b := buildWorker(files); b.version == a.version {
		t.Errorf("a changed app.js kept version %q", a.version)
	}
}

// TestManifestInstallable: the manifest names the app in Korean, starts at
// the map, runs standalone, and lists 192 and 512 pixel PNG icons that exist.
func TestManifestInstallable(t *testing.T) {
	rec := get(t, "/manifest.webmanifest")
	if ct := rec.Header().Get("Content-Type"); ct != "application/manifest+json" {
		t.Errorf("Content-Type %q", ct)
	}
	var m struct {
		Name, ShortName, StartURL, Display, Lang string
		Icons                                    []struct{ Src, Sizes, Type, Purpose string }
	}
	dec := json.NewDecoder(rec.Body)
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for k, dst := range map[string]any{"name": &m.Name, "short_name": &m.ShortName, "start_url": &m.StartURL, "display": &m.Display, "lang": &m.Lang, "icons": &m.Icons} {
		if err := json.Unmarshal(raw[k], dst); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if !strings.Contains(m.Name, "일루와") || m.ShortName != "일루와" || m.Lang != "ko" || m.StartURL != "/" || m.Display != "standalone" {
		t.Errorf("manifest = %+v", m)
	}
	sizes := map[string]bool{}
	for _, ic := range m.Icons {
		if ic.Type != "image/png" {
			continue
		}
		body := get(t, ic.Src).Body.Bytes()
		img, err := png.Decode(bytes.NewReader(body))
		if err != nil {
			t.Errorf("%s: %v", ic.Src, err)
			continue
		}
		b := img.Bounds()
		if got := fmt.Sprintf("%dx%d", b.Dx(), b.Dy()); got != ic.Sizes {
			t.Errorf("%s is %s, the manifest says %s", ic.Src, got, ic.Sizes)
		}
		sizes[ic.Sizes+" "+ic.Purpose] = true
	}
	for _, want := range []string{"192x192 any", "512x512 any", "512x512 maskable"} {
		if !sizes[want] {
			t.Errorf("no %s PNG icon", want)
		}
	}
}

// TestEveryPageInstallable: each page links the manifest and mounts the top
// bar (which registers the service worker), or is the offline page.
func TestEveryPageInstallable(t *testing.T) {
	for _, page := range []string{"index", "login", "pocha", "order", "pay", "owner", "me", "orders", "inbox", "cards", "offline"} {
		body := get(t, "/"+page+".html").Body.String()
		if !strings.Contains(body, `<link rel="manifest" href="/manifest.webmanifest">`) {
			t.Errorf("%s.html does not link the manifest", page)
		}
		if !strings.Contains(body, `<html lang="ko">`) {
			t.Errorf("%s.html is not Korean first", page)
		}
		if page == "offline" {
			continue
		}
		js := get(t, "/"+page2script(page)).Body.String()
		if !strings.Contains(js, "mountUser(") {
			t.Errorf("%s does not mount the top bar (which registers the worker)", page2script(page))
		}
	}
}

func page2script(page string) string {
	if page == "index" {
		return "app.js"
	}
	return page + ".js"
}
