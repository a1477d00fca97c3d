package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// metricsServer serves /metrics on its own listener (ILLUWA_METRICS_ADDR),
// so that the API's port does not show traffic per route or process limits.
type metricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// listenMetrics opens the metrics listener and serves h at /metrics on it;
// with withPprof (ILLUWA_METRICS_PPROF) also Go's profiles at /debug/pprof/.
// They are registered on this listener's own mux. (Importing net/http/pprof
// also registers them on http.DefaultServeMux; no server of this program
// serves that mux, and the API's port answers them 404, which a test checks.)
func listenMetrics(addr string, h http.Handler, withPprof bool, log *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (ILLUWA_METRICS_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	if withPprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	m := &metricsServer{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "error", err.Error())
		}
	}()
	return m, nil
}

// Addr is the address it listens on.
func (m *metricsServer) Addr() string { return m.ln.Addr().String() }

// Close stops it.
func (m *metricsServer) Close(ctx context.Context) error { return m.srv.Shutdown(ctx) }
