package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"path"
	"sort"
	"strings"
)

// workerName is the service worker's file. It is served from the site's
// root so that its scope covers every page.
const workerName = "sw.js"

// The lines of sw.js that the server fills in.
var (
	workerVersionLine = []byte(`const VERSION = "dev";`)
	workerShellLine   = []byte(`const SHELL = [];`)
)

// shellExtensions are the files the service worker keeps for offline use:
// pages, code, styles, the dictionary, icons and the manifest. Licence texts
// and the like are left to the network.
var shellExtensions = map[string]bool{
	".html": true, ".js": true, ".css": true, ".json": true, ".svg": true, ".png": true, ".webmanifest": true,
}

// buildWorker returns sw.js with VERSION set to a digest of every embedded
// file (so any change to the app makes a new worker, which replaces the old
// shell) and SHELL listing the shell's URLs. It panics when sw.js lacks the
// lines to fill: that is a bug in the embedded file.
func buildWorker(files map[string]*file) *file {
	src, ok := files[workerName]
	if !ok {
		panic("web: embedded " + workerName + " is missing")
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	sum := sha256.New()
	var shell []string
	for _, name := range names {
		if name == workerName {
			continue
		}
		sum.Write([]byte(name + "\x00" + files[name].etag + "\x00"))
		if shellExtensions[path.Ext(name)] && !strings.HasPrefix(name, ".") {
			shell = append(shell, "/"+name)
		}
	}
	sum.Write(src.data)
	version := base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:9])
	list, err := json.Marshal(shell)
	if err != nil {
		panic("web: encode the shell list: " + err.Error()) // strings: cannot fail
	}
	if !bytes.Contains(src.data, workerVersionLine) || !bytes.Contains(src.data, workerShellLine) {
		panic("web: " + workerName + " lacks the VERSION or SHELL line")
	}
	data := bytes.Replace(src.data, workerVersionLine, []byte(`const VERSION = "`+version+`";`), 1)
	data = bytes.Replace(data, workerShellLine, []byte("const SHELL = "+string(list)+";"), 1)
	digest := sha256.Sum256(data)
	return (&file{
		data:        data,
		contentType: src.contentType,
		etag:        `"` + base64.RawURLEncoding.EncodeToString(digest[:12]) + `"`,
		version:     version,
	}).withGzip()
}
