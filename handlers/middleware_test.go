package handlers

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
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

// logLine is one JSON log line: its keys in order and its values.
type logLine struct {
	keys   []string
	values map[string]any
}

func (l logLine) str(k string) string { s, _ := l.values[k].(string); return s }

// logLines parses JSON log lines, keeping the order of each line's keys.
func logLines(t *testing.T, logs string) []logLine {
	t.Helper()
	var out []logLine
	for _, raw := range strings.Split(strings.TrimSpace(logs), "\n") {
		if raw == "" {
			continue
		}
		l := logLine{values: map[string]any{}}
		if err := json.Unmarshal([]byte(raw), &l.values); err != nil {
			t.Fatalf("log line %s: %v", raw, err)
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		if _, err := dec.Token(); err != nil { // {
			t.Fatal(err)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			l.keys = append(l.keys, k.(string))
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, l)
	}
	return out
}

// linesWithMsg returns the lines whose msg is msg.
func linesWithMsg(lines []logLine, msg string) []logLine {
	var out []logLine
	for _, l := range lines {
		if l.str("msg") == msg {
			out = append(out, l)
		}
	}
	return out
}

// middlewareAPI is a Server logging JSON at level to logs, with test routes
// on the engine (so behind the whole global middleware) and, as Deps.Web, a
// handler wrapped in LogPathAs that answers /pay/<key> with the status named
// by the query's status (200 unless given) and logs the path with the key
// replaced by {key}.
func middlewareAPI(t *testing.T, level slog.Level, logs *logBuffer) *Server {
	t.Helper()
	web := LogPathAs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := r.URL.Query().Get("status"); st != "" {
			n, _ := strconv.Atoi(st)
			w.WriteHeader(n)
		}
		_, _ = w.Write([]byte("web page"))
	}), func(p string) string {
		if strings.HasPrefix(p, "/pay/") {
			return "/pay/{key}"
		}
		return p
	})
	api := newTestAPI(t, "sqlite", func(d *Deps) {
		d.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
		d.Web = web
		d.Extra = func(r *gin.Engine) {
			r.GET("/test/log", func(c *gin.Context) {
				logger(c).Warn("first")
				logger(c).Warn("second")
				c.Status(http.StatusNoContent)
			})
			r.GET("/test/panic", func(c *gin.Context) { panic("test panic") })
			r.GET("/test/fail", func(c *gin.Context) { fail(c, errors.New("test failure")) })
			r.GET("/test/ok/:name", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
			r.GET("/test/headers", func(c *gin.Context) {
				c.Writer.Header().Add("Referrer-Policy", "origin")
				c.Writer.Header().Add("X-Content-Type-Options", "other")
				c.Status(http.StatusNoContent)
			})
		}
	})
	return api.srv
}

// serve runs one request through srv and returns the answer; the access
// log line is written when it returns.
func serve(srv *Server, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = "192.0.2.7:4711"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

var requestIDShape = regexp.MustCompile(`^[0-9a-f]{24}$`)

// TestHandlerLogsCarryRequestID: every line logged through logger(c), by a
// handler, the recoverer or fail, carries the request's id, the one in the
// X-Request-ID answer (and a problem's request_id): a well-formed incoming
// one, else 24 hex characters.
func TestHandlerLogsCarryRequestID(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		logs := &logBuffer{}
		srv := middlewareAPI(t, level, logs)
		var ids []string
		for _, tc := range []struct {
			path, incoming string
			msgs           []string
			status         int
		}{
			{"/test/log", "", []string{"first", "second"}, http.StatusNoContent},
			{"/test/log", "client-id_1.2", []string{"first", "second"}, http.StatusNoContent},
			{"/test/log", "not a valid id!", []string{"first", "second"}, http.StatusNoContent},
			{"/test/panic", "", []string{"panic"}, http.StatusInternalServerError},
			{"/test/fail", "", []string{"request failed"}, http.StatusInternalServerError},
		} {
			before := len(logs.String())
			var hdr []string
			if tc.incoming != "" {
				hdr = []string{"X-Request-ID", tc.incoming}
			}
			rec := serve(srv, "GET", tc.path, hdr...)
			if rec.Code != tc.status {
				t.Fatalf("%s: status %d, want %d", tc.path, rec.Code, tc.status)
			}
			id := rec.Header().Get("X-Request-ID")
			switch {
			case tc.incoming == "client-id_1.2" && id != tc.incoming:
				t.Fatalf("%s: X-Request-ID %q, want the incoming %q", tc.path, id, tc.incoming)
			case tc.incoming != "client-id_1.2" && !requestIDShape.MatchString(id):
				t.Fatalf("%s (incoming %q): X-Request-ID %q, want 24 hex characters", tc.path, tc.incoming, id)
			}
			if tc.status >= 500 {
				var p Problem
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.RequestID != id {
					t.Fatalf("%s: problem %s, want request_id %q", tc.path, rec.Body, id)
				}
			}
			lines := logLines(t, logs.String()[before:])
			for _, msg := range tc.msgs {
				got := linesWithMsg(lines, msg)
				if len(got) != 1 || got[0].str("request_id") != id {
					t.Fatalf("level %v, %s: lines %q: %v, want one with request_id %q", level, tc.path, msg, got, id)
				}
			}
			ids = append(ids, id)
		}
		if ids[0] == ids[2] || ids[0] == ids[3] {
			t.Fatalf("request ids repeat: %q", ids)
		}
	}
}

// TestWarnLevelLogs5xxWithLoggedPath: at level warn no access line is
// written for an answer below 500, and a 5xx's error line is, with every
// field and the path as LogPathAs redacts it.
func TestWarnLevelLogs5xxWithLoggedPath(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	srv := middlewareAPI(t, slog.LevelWarn, logs)
	serve(srv, "GET", "/test/ok/x")
	serve(srv, "GET", "/pay/SecretKey123?status=404")
	if l := linesWithMsg(logLines(t, logs.String()), "request"); len(l) != 0 {
		t.Fatalf("access lines at level warn: %v", l)
	}
	rec := serve(srv, "POST", "/pay/SecretKey123?status=502")
	if rec.Code != http.StatusBadGateway {
		t.Fatalf("status %d", rec.Code)
	}
	got := linesWithMsg(logLines(t, logs.String()), "request")
	if len(got) != 1 {
		t.Fatalf("access lines: %v, want one", got)
	}
	checkAccessLine(t, got[0], "ERROR", rec.Header().Get("X-Request-ID"), "POST", "unmatched", "/pay/{key}", 502, len("web page"))
	if strings.Contains(logs.String(), "SecretKey123") {
		t.Fatalf("the key reached the log: %s", logs)
	}

	// An API route's 5xx too.
	rec = serve(srv, "GET", "/test/fail")
	got = linesWithMsg(logLines(t, logs.String()), "request")
	if len(got) != 2 {
		t.Fatalf("access lines: %v, want two", got)
	}
	checkAccessLine(t, got[1], "ERROR", rec.Header().Get("X-Request-ID"), "GET", "/test/fail", "/test/fail", 500, rec.Body.Len())
}

// TestAccessLineAtInfo: at level info every request has its access line,
// with every field in the order it always had, the path without its query
// and as LogPathAs redacts it.
func TestAccessLineAtInfo(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	srv := middlewareAPI(t, slog.LevelInfo, logs)
	for _, tc := range []struct {
		method, target, wantMethod, route, path, level string
		status, bytes                                  int
	}{
		{"GET", "/test/ok/abc?token=SecretQuery", "GET", "/test/ok/:name", "/test/ok/abc", "INFO", 200, len("hello")},
		{"GET", "/pay/SecretKey123?status=201", "GET", "unmatched", "/pay/{key}", "INFO", 201, len("web page")},
		{"GET", "/app/page", "GET", "unmatched", "/app/page", "INFO", 200, len("web page")},
		{"XMETHOD", "/test/ok/abc", "OTHER", "unmatched", "/test/ok/abc", "INFO", 405, -1},
		{"GET", "/test/fail", "GET", "/test/fail", "/test/fail", "ERROR", 500, -1},
	} {
		before := len(logs.String())
		rec := serve(srv, tc.method, tc.target)
		if rec.Code != tc.status {
			t.Fatalf("%s %s: status %d, want %d", tc.method, tc.target, rec.Code, tc.status)
		}
		bytes := tc.bytes
		if bytes < 0 {
			bytes = rec.Body.Len()
		}
		got := linesWithMsg(logLines(t, logs.String()[before:]), "request")
		if len(got) != 1 {
			t.Fatalf("%s %s: access lines %v, want one", tc.method, tc.target, got)
		}
		checkAccessLine(t, got[0], tc.level, rec.Header().Get("X-Request-ID"), tc.wantMethod, tc.route, tc.path, tc.status, bytes)
	}
	if strings.Contains(logs.String(), "Secret") {
		t.Fatalf("a secret reached the log: %s", logs)
	}
}

// checkAccessLine fails unless l is the access line of a request with these values.
func checkAccessLine(t *testing.T, l logLine, level, id, method, route, path string, status, bytes int) {
	t.Helper()
	wantKeys := "time level msg request_id method route path status bytes duration remote"
	if got := strings.Join(l.keys, " "); got != wantKeys {
		t.Fatalf("access line keys %q, want %q", got, wantKeys)
	}
	for k, want := range map[string]any{"level": level, "request_id": id, "method": method, "route": route, "path": path,
		"status": float64(status), "bytes": float64(bytes), "remote": "192.0.2.7"} {
		if l.values[k] != want {
			t.Fatalf("access line %s = %v, want %v (line %v)", k, l.values[k], want, l.values)
		}
	}
	if d, ok := l.values["duration"].(float64); !ok || d <= 0 {
		t.Fatalf("access line duration %v", l.values["duration"])
	}
	if !requestIDShape.MatchString(id) {
		t.Fatalf("request id %q", id)
	}
}

// TestHTTPMetricsSeriesAreTheLabelSets: seriesFor gives the series of its
// label values, remembered or (past the bound) not.
func TestHTTPMetricsSeriesAreTheLabelSets(t *testing.T) {
	t.Parallel()
	m := newHTTPMetrics(nil)
	check := func(route, method string, status int) {
		t.Helper()
		rs := m.seriesFor(route, method, status)
		st := strconv.Itoa(status)
		if rs.requests != m.requests.WithLabelValues(route, method, st) || rs.latency != m.latency.WithLabelValues(route, method, st) {
			t.Fatalf("%s %s %d: other series", route, method, status)
		}
	}
	for range 2 {
		check("/api/v1/me", "GET", 200)
		check("/api/v1/me", "GET", 401)
		check("/api/v1/me", "PATCH", 200)
		check("unmatched", "GET", 200)
	}
	for st := range maxCachedSeries + 10 {
		check("/api/v1/pochas/:id", "GET", st)
	}
	if n := len(*m.series.Load()); n != maxCachedSeries {
		t.Fatalf("%d series remembered, want %d", n, maxCachedSeries)
	}
	check("/api/v1/me", "GET", 401)
}

// TestSecurityHeadersOnEveryAnswer: API and web answers carry the security
// headers, the same after a handler added to them.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	srv := middlewareAPI(t, slog.LevelWarn, &logBuffer{})
	want := func(target string, referrer, sniff []string) {
		t.Helper()
		h := serve(srv, "GET", target).Header()
		if !slices.Equal(h.Values("Referrer-Policy"), referrer) || !slices.Equal(h.Values("X-Content-Type-Options"), sniff) {
			t.Fatalf("%s: Referrer-Policy %q, X-Content-Type-Options %q", target, h.Values("Referrer-Policy"), h.Values("X-Content-Type-Options"))
		}
	}
	for range 2 {
		want("/test/ok/a", []string{"no-referrer"}, []string{"nosniff"})
		want("/test/headers", []string{"no-referrer", "origin"}, []string{"nosniff", "other"})
		want("/app/page", []string{"no-referrer"}, []string{"nosniff"})
		want("/api/v1/openapi.yaml", []string{"no-referrer"}, []string{"nosniff"})
	}
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
