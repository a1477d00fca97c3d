package handlers

import (
	"strings"
	"testing"
)

func TestMetricsLabelsStayBounded(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite")
	api.do("XMETHOD19910", "/api/v1/me", "", nil).mustStatus(t, 405)
	api.do("GET", "/no/such/page", "", nil).mustStatus(t, 404)
	metrics := string(api.do("GET", "/metrics", "", nil).mustStatus(t, 200).Body)
	if strings.Contains(metrics, "XMETHOD19910") || !strings.Contains(metrics, `method="OTHER"`) {
		t.Fatalf("an invented method became a label:\n%s", grepLines(metrics, "illuwa_http_requests_total"))
	}
	if !strings.Contains(metrics, `illuwa_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me"`) &&
		!strings.Contains(metrics, `route="unmatched"`) {
		t.Fatalf("no latency histogram by route:\n%s", grepLines(metrics, "illuwa_http"))
	}
}

func TestWrongJSONShapesNameNoGoTypes(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite")
	for _, body := range []string{`[]`, `"x"`, `{"login_id": ["a"]}`, `{"login_id": {}}`} {
		res := api.do("POST", "/api/v1/auth/login", "", body).mustStatus(t, 400)
		if strings.Contains(string(res.Body), "handlers.") || strings.Contains(string(res.Body), "[]string") {
			t.Fatalf("%s: answer names a Go type: %s", body, res.Body)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestCardRefreshMetrics: /metrics counts the cards' background refreshes.
func TestCardRefreshMetrics(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, "sqlite")
	metrics := string(api.do("GET", "/metrics", "", nil).mustStatus(t, 200).Body)
	for _, result := range []string{"queued", "full", "read", "failed", "kept", "replaced", "gone"} {
		if !strings.Contains(metrics, `illuwa_card_refresh_total{result="`+result+`"} 0`) {
			t.Fatalf("no %s count of the cards' refreshes:\n%s", result, grepLines(metrics, "illuwa_card"))
		}
	}
}
