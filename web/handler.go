package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path"
	"strings"
	"time"
)

// Cache-Control values: pages and app code are revalidated on every load (they
// change with each release and carry an ETag); vendored libraries are
// referenced with their version in the query string and cached for a year.
const (
	cacheRevalidate = "no-cache"
	cacheVendor     = "public, max-age=31536000, immutable"
)

// Handler returns the web app's handler, for mounting at "/" beside the API
// and /ws. It serves:
//
//   - GET / : the live map (static/index.html)
//   - GET /pochas/{id} (id a positive decimal number) : the stall page
//     (static/pocha.html), which reads the id from the path; the same page
//     is /pocha.html?id={id}
//   - GET /login.html, /order.html?id=, /pay.html (the payment gateway's
//     return address), /owner.html : the other pages
//   - GET /verify?token=, /reset?token= : the pages of the links in mail
//     (static/verify.html, static/reset.html)
//   - GET /config.json : cfg (after WithDefaults) as JSON
//   - GET /sw.js : the service worker, stamped with a digest of this
//     release's files and the list of the app shell it caches
//   - GET /manifest.webmanifest : the web app manifest (installable app)
//   - GET /<file> : the other embedded files, e.g. /app.js, /vendor/leaflet/...
//
// Text files (pages, scripts, styles, JSON, SVG) are sent gzip-compressed to
// clients whose Accept-Encoding takes gzip, with their own ETag and
// Vary: Accept-Encoding.
//
// Only GET and HEAD are allowed (405 otherwise); unknown paths and directories
// are 404. Every response carries a Content-Security-Policy that allows
// scripts, styles, fetches and fonts from the page's own origin only, images
// from the page's origin, data: URLs and the tile server's origin, and
// WebSocket connections (ws: and wss:) to the page's own host. A TileURL that
// Config.Validate rejects is left out of the policy, so the map shows no tiles.
func Handler(cfg Config) http.Handler {
	cfg = cfg.WithDefaults()
	tiles, _ := tileOrigin(cfg.TileURL)
	configJSON, err := json.Marshal(cfg)
	if err != nil {
		panic("web: encode config: " + err.Error()) // plain strings and numbers: cannot fail
	}
	files := loadFiles(staticFS)
	files[workerName] = buildWorker(files)
	return &handler{
		files:      files,
		configJSON: configJSON,
		tileOrigin: tiles,
		started:    time.Now(),
	}
}

type handler struct {
	files      map[string]*file
	configJSON []byte
	tileOrigin string
	started    time.Time
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", contentSecurityPolicy(h.tileOrigin, r.Host))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	} else if isStallPath(name) {
		name = "pocha.html"
	} else if name == "verify" || name == "reset" {
		name += ".html" // the pages of the links in mail: /verify?token=, /reset?token=
	}
	if name == "config.json" {
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Cache-Control", cacheRevalidate)
		http.ServeContent(w, r, name, h.started, bytes.NewReader(h.configJSON))
		return
	}
	f, ok := h.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr.Set("Content-Type", f.contentType)
	if strings.HasPrefix(name, "vendor/") {
		hdr.Set("Cache-Control", cacheVendor)
	} else {
		hdr.Set("Cache-Control", cacheRevalidate)
	}
	body, etag := f.data, f.etag
	if f.gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip
// (with a q-value above 0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// isStallPath reports whether name (a cleaned path without the leading slash)
// is "pochas/{id}" with id a positive decimal number of at most 19 digits.
func isStallPath(name string) bool {
	id, ok := strings.CutPrefix(name, "pochas/")
	if !ok || id == "" || len(id) > 19 || id[0] == '0' {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
