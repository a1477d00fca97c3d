package handlers

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/illuwa/illuwa/bench/cputime"
)

// BenchmarkMiddlewareHTTP is GET /api/v1/openapi.yaml, whose handler only
// writes bytes it holds, through the whole Server: routing, the global
// middleware (recoverer, request id, metrics, access log, security headers,
// transport security) and the API group's (authenticate, noStore). The
// request is built once and the answer discarded, so what is measured is Gin
// and the middleware:
//
//	go test -run '^$' -bench MiddlewareHTTP -benchmem ./handlers/
func BenchmarkMiddlewareHTTP(b *testing.B) {
	for _, lv := range []struct {
		name  string
		level slog.Level
	}{{"log=info", slog.LevelInfo}, {"log=warn", slog.LevelWarn}} {
		b.Run(lv.name, func(b *testing.B) {
			srv := benchNearbyAPI(b, 0, lv.level)
			req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.yaml", nil)
			w := &discardWriter{header: http.Header{}}
			srv.ServeHTTP(w, req)
			if w.status != http.StatusOK || w.bytes == 0 {
				b.Fatalf("status %d, %d bytes", w.status, w.bytes)
			}
			cpu0 := cputime.Self()
			for b.Loop() {
				w.reset()
				srv.ServeHTTP(w, req)
			}
			if cpu := cputime.Self() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}

// discardWriter is an http.ResponseWriter that keeps the status and counts
// the bytes, reused from one request to the next.
type discardWriter struct {
	header http.Header
	status int
	bytes  int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.bytes += len(p)
	return len(p), nil
}

func (w *discardWriter) reset() {
	clear(w.header)
	w.status, w.bytes = 0, 0
}

// BenchmarkHTTPMetricsSeries is finding a request's two series, by
// resolving the label values (what metricsMiddleware did) or through
// seriesFor, for one of a few routes and statuses.
func BenchmarkHTTPMetricsSeries(b *testing.B) {
	routes := []string{"/api/v1/pochas/nearby", "/api/v1/pochas/:id", "/api/v1/me", "unmatched"}
	statuses := []int{200, 304, 404}
	b.Run("labels", func(b *testing.B) {
		m := newHTTPMetrics(nil)
		i := 0
		for b.Loop() {
			st := strconv.Itoa(statuses[i%len(statuses)])
			m.requests.WithLabelValues(routes[i%len(routes)], "GET", st).Inc()
			m.latency.WithLabelValues(routes[i%len(routes)], "GET", st).Observe(0.001)
			i++
		}
	})
	b.Run("cached", func(b *testing.B) {
		m := newHTTPMetrics(nil)
		i := 0
		for b.Loop() {
			rs := m.seriesFor(routes[i%len(routes)], "GET", statuses[i%len(statuses)])
			rs.requests.Inc()
			rs.latency.Observe(0.001)
			i++
		}
	})
}
