package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// metricsServer serves /metrics on its own listener (ILLUWA_METRICS_ADDR),
// so that the API's port does not show traffic per route or process limits.
type metricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// listenMetrics opens the metrics listener and serves h at /metrics on it.
func listenMetrics(addr string, h http.Handler, log *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (ILLUWA_METRICS_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
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
