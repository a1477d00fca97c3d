package loadgen

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRawGetter(t *testing.T) {
	body := strings.Repeat(`{"distance_m":1},`, 500) // 8.5 kB
	var conns atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /p/sized", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("lat") != "37.5" || r.Host == "" {
			http.Error(w, "bad request line", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", "8500")
		_, _ = w.Write([]byte(body))
	})
	mux.HandleFunc("GET /p/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(body); i += 1000 {
			_, _ = w.Write([]byte(body[i:min(i+1000, len(body))]))
			w.(http.Flusher).Flush() // one chunk each
		}
	})
	mux.HandleFunc("GET /p/busy", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /p/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /p/huge", func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nshort"))
		_ = c.Close()
	})
	mux.HandleFunc("GET /p/unframed", func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close"))
		_ = c.Close()
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	g := newRawGetter(srv.URL+"/p/", 5*time.Second)
	defer g.close()
	var buf []byte
	for i := range 20 { // kept alive: one connection for all
		path := "/sized?lat=37.5"
		if i%2 == 1 {
			path = "/chunked"
		}
		b, status, err := g.get(path, buf)
		if err != nil || status != 200 || string(b) != body {
			t.Fatalf("%s: status %d, err %v, %d bytes", path, status, err, len(b))
		}
		buf = b
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 20 requests, want 1", n)
	}
	if _, status, err := g.get("/busy", buf); err != nil || status != 503 {
		t.Fatalf("busy: %d %v", status, err)
	}
	if b, status, err := g.get("/close", buf); err != nil || status != 200 || string(b) != "ok" || g.conn != nil {
		t.Fatalf("close: %d %v %q, conn kept %v", status, err, b, g.conn != nil)
	}
	if _, _, err := g.get("/huge", buf); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("a Content-Length past the limit: %v", err)
	}
	if _, _, err := g.get("/unframed", buf); !errors.Is(err, errUnsupportedFraming) {
		t.Fatalf("unframed: %v, want errUnsupportedFraming", err)
	}
	if b, status, err := g.get("/sized?lat=37.5", buf); err != nil || status != 200 || len(b) != len(body) {
		t.Fatalf("after an error: %d %v", status, err)
	}
	if n := conns.Load(); n != 4 {
		t.Fatalf("%d connections, want 4 (the first, after close, after each error)", n)
	}
	if newRawGetter("https://example.com", time.Second) != nil {
		t.Fatal("a raw getter for https")
	}
}

func TestReadChunkedRefusesMalformed(t *testing.T) {
	for _, in := range []string{"zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcX\r\n0\r\n\r\n", "5\r\nab", "7fffffff\r\nabc"} {
		if _, err := readChunked(bufio.NewReader(strings.NewReader(in)), nil); err == nil {
			t.Errorf("%q read without error", in)
		}
	}
	b, err := readChunked(bufio.NewReader(strings.NewReader("3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n")), nil)
	if err != nil || string(b) != "abcde" {
		t.Fatalf("%q %v", b, err)
	}
}
