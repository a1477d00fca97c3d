// Package web serves Illuwa's browser app: static pages, scripts and styles
// embedded in the binary, and the small runtime configuration they read.
//
// The pages talk to the server only over the public HTTP API and the /ws
// WebSocket; this package holds no business logic.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var embedded embed.FS

// staticFS is the static/ directory, rooted so that "index.html" is its top.
var staticFS = mustSub(embedded, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic("web: embedded " + dir + ": " + err.Error())
	}
	return sub
}
