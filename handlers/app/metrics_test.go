package app

import (
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
