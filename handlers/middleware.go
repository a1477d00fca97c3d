package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Context keys set by the middleware.
const (
	ctxRequest = "illuwa.request" // *requestInfo
	ctxUser    = "illuwa.user"
	ctxToken   = "illuwa.token_hash"
)

// requestIDHeader is X-Request-ID as net/http spells it: no canonicalizing
// (which allocates for "X-Request-ID") on reading or writing it.
const requestIDHeader = "X-Request-Id"

// requestInfo is what requestID keeps for a request.
type requestInfo struct {
	id     string
	header [1]string // the X-Request-ID answer header's value, id
	// path is what the access log records as the request's path: the path
	// as it came, or as LogPathAs redacted it.
	path string
	base *slog.Logger
	log  atomic.Pointer[slog.Logger] // base with the request_id, once something logged through it
}

// logger returns the request's logger, making it on first use: most
// requests log nothing but their access line, and that names the id itself.
func (ri *requestInfo) logger() *slog.Logger {
	if l := ri.log.Load(); l != nil {
		return l
	}
	l := ri.base.With(slog.String("request_id", ri.id))
	if !ri.log.CompareAndSwap(nil, l) {
		return ri.log.Load()
	}
	return l
}

// requestID gives every request an id (a well-formed incoming X-Request-ID is
// kept), echoes it in the response and puts it on every log line.
func (s *Server) requestID(c *gin.Context) {
	id := c.Request.Header.Get(requestIDHeader)
	if !validRequestID(id) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		var h [24]byte
		hex.Encode(h[:], b[:])
		id = string(h[:])
	}
	ri := &requestInfo{id: id, path: c.Request.URL.Path, base: s.log}
	ri.header[0] = id
	c.Set(ctxRequest, ri)
	c.Writer.Header()[requestIDHeader] = ri.header[:]
	c.Next()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

// requestState returns what requestID keeps for the request, nil outside it.
func requestState(c *gin.Context) *requestInfo {
	v, _ := c.Get(ctxRequest)
	ri, _ := v.(*requestInfo)
	return ri
}

// requestIDOf returns the request's id ("" outside requestID).
func requestIDOf(c *gin.Context) string {
	if ri := requestState(c); ri != nil {
		return ri.id
	}
	return ""
}

// logger returns the request's logger.
func logger(c *gin.Context) *slog.Logger {
	if ri := requestState(c); ri != nil {
		return ri.logger()
	}
	return slog.Default()
}

// accessLog writes one JSON line per request. It never logs bodies, query
// strings (they may hold a token) or headers; a handler wrapped in LogPathAs
// replaces the path it logs.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := responseStatus(c)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	ctx := c.Request.Context()
	if !s.log.Enabled(ctx, level) {
		return
	}
	ri := requestState(c)
	id, path := "", c.Request.URL.Path
	if ri != nil {
		id, path = ri.id, ri.path
	}
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	// The request's id first, where the request's logger puts it, without
	// making that logger.
	s.log.LogAttrs(ctx, level, "request",
		slog.String("request_id", id),
		slog.String("method", methodLabel(c.Request.Method)),
		slog.String("route", route),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", c.ClientIP()),
	)
}

type loggedPathKey struct{}

// webRequest is the request as Deps.Web gets it: with, in its context, what
// LogPathAs needs to replace the path the access log records. (Only there:
// the API's routes never replace it, and need no copy of the request.)
func webRequest(c *gin.Context) *http.Request {
	ri := requestState(c)
	if ri == nil {
		return c.Request
	}
	return c.Request.WithContext(context.WithValue(c.Request.Context(), loggedPathKey{}, ri))
}

// LogPathAs wraps h, a handler served through Deps.Web, so the access log
// records the request's path as redact returns it (given the full path):
// for paths that carry a secret, such as the demo gateway's billing keys.
func LogPathAs(h http.Handler, redact func(path string) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ri, ok := r.Context().Value(loggedPathKey{}).(*requestInfo); ok {
			ri.path = redact(ri.path)
		}
		h.ServeHTTP(w, r)
	})
}

// httpMetrics are the Prometheus series of the HTTP API.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// series holds the series already resolved, by route, method and
	// status, read without a lock; a new label set copies it (under mu).
	series atomic.Pointer[map[seriesKey]requestSeries]
	mu     sync.Mutex
}

type seriesKey struct {
	route, method string
	status        int
}

// requestSeries are the series of one route, method and status.
type requestSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// maxCachedSeries bounds httpMetrics.series: the routes are a fixed set and
// a route answers with a few statuses; past it, label sets are resolved on
// every request.
const maxCachedSeries = 1024

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "illuwa_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "illuwa_http_request_duration_seconds", Help: "HTTP request latency by route, method and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "status"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency)
	}
	return m
}

// seriesFor returns the series of route, method and status.
func (m *httpMetrics) seriesFor(route, method string, status int) requestSeries {
	k := seriesKey{route, method, status}
	if cached := m.series.Load(); cached != nil {
		if rs, ok := (*cached)[k]; ok {
			return rs
		}
	}
	st := strconv.Itoa(status)
	rs := requestSeries{m.requests.WithLabelValues(route, method, st), m.latency.WithLabelValues(route, method, st)}
	m.mu.Lock()
	defer m.mu.Unlock()
	var old map[seriesKey]requestSeries
	if p := m.series.Load(); p != nil {
		old = *p
	}
	if _, ok := old[k]; ok || len(old) >= maxCachedSeries {
		return rs
	}
	next := make(map[seriesKey]requestSeries, len(old)+1)
	maps.Copy(next, old)
	next[k] = rs
	m.series.Store(&next)
	return rs
}

func (s *Server) metricsMiddleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	rs := s.metrics.seriesFor(route, methodLabel(c.Request.Method), responseStatus(c))
	rs.requests.Inc()
	rs.latency.Observe(time.Since(start).Seconds())
}

// methodLabel keeps the metric's label set bounded: any method outside the
// standard ones counts as OTHER.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// responseStatus is the status the client saw: a hijacked WebSocket upgrade
// reads as 200 in Gin but answered 101.
func responseStatus(c *gin.Context) int {
	if st := c.Writer.Status(); st != http.StatusOK || c.Writer.Size() > 0 || !c.IsWebsocket() {
		return st
	}
	return http.StatusSwitchingProtocols
}

// recoverer turns a panic into a logged 500 problem.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger(c).Error("panic", slog.String("panic", fmt.Sprint(v)))
			writeProblem(c, errorf(http.StatusInternalServerError, "internal", "something went wrong on our side; try again"))
		}
	}()
	c.Next()
}

// limitBody caps every request body at n bytes; reading past it fails with
// *http.MaxBytesError, which becomes a 413.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			writeProblem(c, errorf(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes", n)))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

// securityHeaders sets the headers every API answer carries.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h["X-Content-Type-Options"] = nosniffValue
	h["Referrer-Policy"] = noReferrerValue
	c.Next()
}
