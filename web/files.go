package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"path"
	"strings"
)

// file is one embedded asset, read once at start-up.
type file struct {
	data        []byte
	contentType string
	etag        string
	version     string // the release digest, on the service worker only
	gz          []byte // data gzip-compressed, when that is smaller (text files)
}

// compressible lists the types worth compressing; pictures are compressed already.
func compressible(contentType string) bool {
	for _, p := range []string{"text/", "application/json", "application/manifest+json", "image/svg+xml"} {
		if strings.HasPrefix(contentType, p) {
			return true
		}
	}
	return false
}

// withGzip sets f.gz to f.data compressed, when that saves at least 10 %.
func (f *file) withGzip() *file {
	if !compressible(f.contentType) {
		return f
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	_, _ = zw.Write(f.data)                                  // into memory: cannot fail
	_ = zw.Close()
	if buf.Len() < len(f.data)*9/10 {
		f.gz = buf.Bytes()
	}
	return f
}

// contentTypes is fixed here rather than taken from the host's MIME tables,
// which differ between systems (e.g. .js as application/javascript).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".png":         "image/png",
	".svg":         "image/svg+xml",
	".ico":         "image/x-icon",
	".webp":        "image/webp",
	".woff2":       "font/woff2",
	".webmanifest": "application/manifest+json",
}

// loadFiles reads every regular file of fsys into memory, keyed by its slash
// path. Files with an unknown extension (LICENSE, VERSION) are served as plain
// text.
func loadFiles(fsys fs.FS) map[string]*file {
	files := make(map[string]*file)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			ct = "text/plain; charset=utf-8"
		}
		sum := sha256.Sum256(data)
		files[name] = (&file{
			data:        data,
			contentType: ct,
			etag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		}).withGzip()
		return nil
	})
	if err != nil {
		panic("web: read embedded files: " + err.Error()) // embedded: cannot fail
	}
	return files
}
