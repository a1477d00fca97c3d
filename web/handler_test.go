package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerServesFiles(t *testing.T) {
	h := Handler(Config{TileURL: "https://tiles.example.com/{z}/{x}/{y}.png"})
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
		cache       string
		bodyHas     string
	}{
		{"index", "GET", "/", 200, "text/html; charset=utf-8", "no-cache", `id="map"`},
		{"index_by_name", "GET", "/index.html", 200, "text/html; charset=utf-8", "no-cache", `src="/app.js"`},
		{"app_js", "GET", "/app.js", 200, "text/javascript; charset=utf-8", "no-cache", "LiveSocket"},
		{"module_js", "GET", "/stalls.js", 200, "text/javascript; charset=utf-8", "no-cache", "export class StallLayer"},
		{"app_css", "GET", "/app.css", 200, "text/css; charset=utf-8", "no-cache", ".illuwa-stall"},
		{"leaflet_js", "GET", "/vendor/leaflet/leaflet.js", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "Leaflet"},
		{"leaflet_css", "GET", "/vendor/leaflet/leaflet.css", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", ".leaflet-container"},
		{"leaflet_png", "GET", "/vendor/leaflet/images/marker-icon.png", 200, "image/png", "public, max-age=31536000, immutable", "\x89PNG"},
		{"leaflet_license", "GET", "/vendor/leaflet/LICENSE", 200, "text/plain; charset=utf-8", "public, max-age=31536000, immutable", "Copyright (c)"},
		{"stall_page_route", "GET", "/pochas/12", 200, "text/html; charset=utf-8", "no-cache", `src="/pocha.js"`},
		{"stall_page_trailing_slash", "GET", "/pochas/12/", 200, "text/html; charset=utf-8", "no-cache", `src="/pocha.js"`},
		{"stall_page_file", "GET", "/pocha.html", 200, "text/html; charset=utf-8", "no-cache", `id="menu"`},
		{"login_page", "GET", "/login.html", 200, "text/html; charset=utf-8", "no-cache", `id="signup-form"`},
		{"verify_link_page", "GET", "/verify?token=abc", 200, "text/html; charset=utf-8", "no-cache", `src="/verify.js"`},
		{"reset_link_page", "GET", "/reset?token=abc", 200, "text/html; charset=utf-8", "no-cache", `id="confirm-form"`},
		{"pay_page", "GET", "/pay.html", 200, "text/html; charset=utf-8", "no-cache", `src="/pay.js"`},
		{"order_page", "GET", "/order.html", 200, "text/html; charset=utf-8", "no-cache", `id="order-status"`},
		{"owner_page", "GET", "/owner.html", 200, "text/html; charset=utf-8", "no-cache", `id="board"`},
		{"page_css", "GET", "/page.css", 200, "text/css; charset=utf-8", "no-cache", ".cartbar"},
		{"favicon", "GET", "/favicon.svg", 200, "image/svg+xml", "no-cache", "<svg"},
		{"stall_zero_id", "GET", "/pochas/0", 404, "", "", ""},
		{"stall_leading_zero", "GET", "/pochas/012", 404, "", "", ""},
		{"stall_not_a_number", "GET", "/pochas/abc", 404, "", "", ""},
		{"stall_too_long", "GET", "/pochas/12345678901234567890", 404, "", "", ""},
		{"stall_subpath", "GET", "/pochas/12/menu", 404, "", "", ""},
		{"stall_list", "GET", "/pochas", 404, "", "", ""},
		{"head", "HEAD", "/app.js", 200, "text/javascript; charset=utf-8", "no-cache", ""},
		{"not_found", "GET", "/nope.js", 404, "", "", ""},
		{"directory", "GET", "/vendor/leaflet/", 404, "", "", ""},
		{"escape_attempt", "GET", "/../web.go", 404, "", "", ""},
		{"method_not_allowed", "POST", "/", 405, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Content-Security-Policy"); got == "" {
				t.Error("no Content-Security-Policy")
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if tt.status != 200 {
				return
			}
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
			if !strings.Contains(rec.Body.String(), tt.bodyHas) {
				t.Errorf("body lacks %q", tt.bodyHas)
			}
			if tt.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD body has %d bytes", rec.Body.Len())
			}
		})
	}
}

func TestHandlerETagRevalidates(t *testing.T) {
	h := Handler(Config{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/app.js", nil))
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on /app.js")
	}
	req := httptest.NewRequest("GET", "/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("conditional GET status = %d, want 304", rec.Code)
	}
}

func TestHandlerCSP(t *testing.T) {
	tests := []struct {
		name    string
		tileURL string
		host    string
		want    []string
		notWant []string
	}{
		{
			name:    "ok",
			tileURL: "https://tiles.example.com:8443/{z}/{x}/{y}.png",
			host:    "illuwa.example:8080",
			want: []string{
				"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
				"img-src 'self' data: https://tiles.example.com:8443;",
				"connect-src 'self' ws://illuwa.example:8080 wss://illuwa.example:8080;",
				"frame-ancestors 'none'",
			},
			notWant: []string{"unsafe-inline", "unsafe-eval", "*"},
		},
		{
			name:    "subdomain_template",
			tileURL: "https://{s}.tile.example.org/{z}/{x}/{y}.png",
			host:    "localhost",
			want:    []string{"img-src 'self' data: https://*.tile.example.org;"},
		},
		{
			name:    "default_tiles",
			tileURL: "",
			host:    "localhost",
			want:    []string{"img-src 'self' data: https://tile.openstreetmap.org;"},
		},
		{
			name:    "invalid_tiles_left_out",
			tileURL: "//no-scheme/{z}/{x}/{y}.png",
			host:    "localhost",
			want:    []string{"img-src 'self' data:;"},
		},
		{
			name:    "hostile_host_left_out",
			tileURL: "",
			host:    "evil; script-src *",
			want:    []string{"connect-src 'self';", "script-src 'self';"},
			notWant: []string{"evil"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.Host = tt.host
			rec := httptest.NewRecorder()
			Handler(Config{TileURL: tt.tileURL}).ServeHTTP(rec, req)
			csp := rec.Header().Get("Content-Security-Policy") + ";"
			for _, w := range tt.want {
				if !strings.Contains(csp, w) {
					t.Errorf("CSP %q lacks %q", csp, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(csp, w) {
					t.Errorf("CSP %q contains %q", csp, w)
				}
			}
		})
	}
}

func TestHandlerConfigJSON(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want map[string]any
	}{
		{
			name: "defaults",
			cfg:  Config{},
			want: map[string]any{
				"tile_url":         DefaultTileURL,
				"tile_attribution": DefaultTileAttribution,
				"default_lat":      37.5665,
				"default_lng":      126.978,
				"default_zoom":     14.0,
			},
		},
		{
			name: "custom",
			cfg: Config{
				TileURL: "http://127.0.0.1:9/{z}/{x}/{y}.png", TileAttribution: "test tiles",
				DefaultLat: 35.1796, DefaultLng: 129.0756, DefaultZoom: 16,
			},
			want: map[string]any{
				"tile_url":         "http://127.0.0.1:9/{z}/{x}/{y}.png",
				"tile_attribution": "test tiles",
				"default_lat":      35.1796,
				"default_lng":      129.0756,
				"default_zoom":     16.0,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(Handler(tt.cfg))
			defer srv.Close()
			res, err := http.Get(srv.URL + "/config.json")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("status = %d", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control = %q", cc)
			}
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("config.json has %d fields, want %d: %s", len(got), len(tt.want), body)
			}
			for k, w := range tt.want {
				if got[k] != w {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
		})
	}
}

func TestHandlerGzip(t *testing.T) {
	h := Handler(Config{})
	plain := httptest.NewRecorder()
	h.ServeHTTP(plain, httptest.NewRequest("GET", "/app.js", nil))
	tests := []struct {
		name, path, accept string
		gzipped            bool
	}{
		{"gzip", "/app.js", "gzip, deflate, br", true},
		{"gzip_q", "/app.js", "br;q=1.0, gzip;q=0.8", true},
		{"refused", "/app.js", "gzip;q=0, identity", false},
		{"none", "/app.js", "", false},
		{"picture", "/icons/icon-192.png", "gzip", false},
		{"worker", "/sw.js", "gzip", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			req.Header.Set("Accept-Encoding", tt.accept)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tt.gzipped {
				t.Fatalf("Content-Encoding = %q, want gzip %v", rec.Header().Get("Content-Encoding"), tt.gzipped)
			}
			if !tt.gzipped {
				return
			}
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if tt.path == "/app.js" && !bytes.Equal(got, plain.Body.Bytes()) {
				t.Error("the gzip body differs from the plain one")
			}
			if rec.Header().Get("ETag") == plain.Header().Get("ETag") || rec.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("ETag %q (plain %q), Vary %q", rec.Header().Get("ETag"), plain.Header().Get("ETag"), rec.Header().Get("Vary"))
			}
		})
	}
}
