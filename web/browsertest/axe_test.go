package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAxeFindsViolations: axe-core runs under a strict Content Security
// Policy and reports a picture without text and a nameless button as
// serious or critical, and nothing on a page without them.
func TestAxeFindsViolations(t *testing.T) {
	pages := map[string]string{
		"/bad":  `<!doctype html><html lang="ko"><title>나쁜 페이지</title><main><h1>제목</h1><img src="/x.png"><button></button></main></html>`,
		"/good": `<!doctype html><html lang="ko"><title>좋은 페이지</title><main><h1>제목</h1><img src="/x.png" alt="포장마차"><button>주문하기</button></main></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	b := Start(t)
	ctx, _ := OpenTab(t, b)

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
		t.Fatal(err)
	}
	vs, err := Axe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, v := range vs {
		found[v.ID] = v.Impact
	}
	for _, id := range []string{"image-alt", "button-name"} {
		if imp := found[id]; imp != "serious" && imp != "critical" {
			t.Errorf("violation %s: impact %q, want serious or critical (all: %v)", id, imp, found)
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/good")); err != nil {
		t.Fatal(err)
	}
	if n := CheckAccessible(t, ctx, "/good"); n != 0 {
		t.Errorf("the good page has %d serious violations", n)
	}
}
