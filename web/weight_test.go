package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

// What a page loads on its first visit: stylesheets and scripts it links,
// and the modules and JSON they import, transitively.
var (
	linkedAsset = regexp.MustCompile(`(?:href|src)="/([^"?]+\.(?:css|js))(?:\?[^"]*)?"`)
	importedMod = regexp.MustCompile(`(?m)^import\s+(?:[^"']*\s+from\s+)?["']\./([^"']+)["']`)
)

// firstLoad returns the files page (an HTML file of static/) loads.
func firstLoad(t *testing.T, page string) []string {
	t.Helper()
	seen := map[string]bool{page: true}
	queue := []string{page}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		data, err := fs.ReadFile(staticFS, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var refs [][]string
		switch path.Ext(name) {
		case ".html":
			refs = linkedAsset.FindAllStringSubmatch(string(data), -1)
		case ".js":
			refs = importedMod.FindAllStringSubmatch(string(data), -1)
		}
		for _, m := range refs {
			if !seen[m[1]] {
				seen[m[1]] = true
				queue = append(queue, m[1])
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	return out
}

func gzipSize(t *testing.T, data []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// TestPageWeight keeps each page's first load (HTML, CSS and JavaScript,
// gzip-compressed) within its budget; docs/web.md states the figures this
// test logs (go test -v -run PageWeight ./web/).
func TestPageWeight(t *testing.T) {
	budgets := map[string]int{ // compressed bytes
		"index.html": 76_000, "pocha.html": 81_000, // with Leaflet (~42 kB of it)
		"owner.html": 45_000, "login.html": 30_000, "order.html": 35_000, "pay.html": 30_000,
		"me.html": 30_000, "orders.html": 30_000, "inbox.html": 30_000, "cards.html": 30_000, "offline.html": 25_000, "pos.html": 35_000,
		"oauth.html": 30_000,
	}
	for page, budget := range budgets {
		files := firstLoad(t, page)
		raw, zipped := 0, 0
		for _, f := range files {
			data, err := fs.ReadFile(staticFS, f)
			if err != nil {
				t.Fatal(err)
			}
			raw += len(data)
			zipped += gzipSize(t, data)
		}
		if !strings.HasSuffix(page, ".html") || len(files) < 2 {
			t.Errorf("%s loads %v", page, files)
		}
		t.Logf("%-13s %2d files, %6d bytes, %6d gzip (budget %d)", page, len(files), raw, zipped, budget)
		if zipped > budget {
			t.Errorf("%s: first load %d bytes gzip, over its budget of %d", page, zipped, budget)
		}
	}
}
