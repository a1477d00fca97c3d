package handlers

import (
	"net/http"
	"testing"

	"github.com/illuwa/illuwa/store"
)

// TestWebHandlerStatus: a page of the web handler answers with its own
// status; one that writes its body without a status is a 200, as net/http
// would answer (the demo's fake checkout page was a 404 with the right body).
func TestWebHandlerStatus(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, store.SQLite, func(d *Deps) {
		d.Web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/page":
				_, _ = w.Write([]byte("<p>hello</p>"))
			case "/gone":
				http.NotFound(w, r)
			}
		})
	})
	if res := api.do("GET", "/page", "", nil); res.Status != http.StatusOK || string(res.Body) != "<p>hello</p>" {
		t.Fatalf("page: %d %s", res.Status, res.Body)
	}
	if res := api.do("GET", "/gone", "", nil); res.Status != http.StatusNotFound {
		t.Fatalf("missing page: %d", res.Status)
	}
	if res := api.do("GET", "/api/v1/nothing", "", nil); res.Status != http.StatusNotFound || res.problem(t).Code != "not_found" {
		t.Fatalf("unknown API path: %d %s", res.Status, res.Body)
	}
}
