package app

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

// /metrics is not on the API's port (anyone could read the traffic per
// route and the process limits there): it is served on ILLUWA_METRICS_ADDR,
// loopback by default.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	in := start(t, nil)
	res, err := http.Get(in.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /metrics on the API port: %d, want 404", res.StatusCode)
	}
	if !strings.HasPrefix(in.metrics, "http://127.0.0.1:") {
		t.Fatalf("metrics listener %q, want loopback", in.metrics)
	}
	res, err = http.Get(in.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "illuwa_http_requests_total") || !strings.Contains(string(b), "illuwa_ws_connections") {
		t.Fatalf("metrics listener: %d %.300s", res.StatusCode, b)
	}
}

// Go's profiles (net/http/pprof) are off unless ILLUWA_METRICS_PPROF is
// true, and then only on the metrics listener: a profile shows the code and
// its paths, and taking one costs CPU, so the API's port never serves them.
func TestPprofOnlyOnTheMetricsListenerWhenAskedFor(t *testing.T) {
	get := func(url string) (int, []byte) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, b
	}
	t.Run("off by default", func(t *testing.T) {
		in := start(t, nil)
		for _, base := range []string{in.metrics, in.base} {
			for _, p := range []string{"/debug/pprof/", "/debug/pprof/cmdline"} {
				if code, b := get(base + p); code != http.StatusNotFound {
					t.Errorf("GET %s%s without ILLUWA_METRICS_PPROF: %d %.200s, want 404", base, p, code, b)
				}
			}
		}
	})
	t.Run("on", func(t *testing.T) {
		in := start(t, map[string]string{"ILLUWA_METRICS_PPROF": "true"})
		code, b := get(in.metrics + "/debug/pprof/")
		if code != http.StatusOK || !strings.Contains(string(b), "goroutine") {
			t.Fatalf("GET /debug/pprof/ on the metrics listener: %d %.300s", code, b)
		}
		code, b = get(in.metrics + "/debug/pprof/profile?seconds=1")
		if code != http.StatusOK {
			t.Fatalf("GET /debug/pprof/profile?seconds=1: %d %.300s", code, b)
		}
		// A CPU profile is a gzipped protocol buffer.
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("profile is not gzip (%d bytes): %v", len(b), err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil || len(raw) == 0 {
			t.Fatalf("profile: %d bytes unzipped, %v", len(raw), err)
		}
		for _, p := range []string{"/debug/pprof/", "/debug/pprof/profile?seconds=1", "/debug/pprof/cmdline"} {
			if code, b := get(in.base + p); code != http.StatusNotFound {
				t.Errorf("GET %s on the API port with ILLUWA_METRICS_PPROF: %d %.200s, want 404", p, code, b)
			}
		}
	})
}
