package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/illuwa/illuwa/handlers"
	"github.com/illuwa/illuwa/handlers/imaging"
	"github.com/illuwa/illuwa/web"
)

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// serve runs the server until ctx ends, then shuts down in order: HTTP,
// WebSockets (close code 1001), workers, broker, Redis, database.
func serve(ctx context.Context, cfg Config, stdout io.Writer) error {
	log := newLogger(stdout, cfg.LogLevel)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	b, err := openBackends(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.close()
	webCfg := web.DefaultConfig()
	if cfg.TileURL != "" {
		webCfg.TileURL = cfg.TileURL
	}
	if err := webCfg.Validate(); err != nil {
		return fmt.Errorf("invalid ILLUWA_TILE_URL: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (ILLUWA_ADDR): %w", cfg.Addr, err)
	}
	defer ln.Close()
	addr := ln.Addr().(*net.TCPAddr)

	mux := http.NewServeMux()
	mux.Handle("/", web.Handler(webCfg))
	svc, err := newServices(ctx, cfg, b, paymentGateway(cfg, mux, addr.Port, log), addr.Port, log)
	if err != nil {
		return err
	}
	api := handlers.New(handlers.Deps{
		Store:    b.store,
		Images:   b.images,
		Log:      log,
		Registry: b.reg,
		Ready:    b.ready,
		Live:     svc.live,
		Hub:      svc.hub,
		Push:     svc.hub,
		Accounts: svc.accounts,
		Orders:   svc.orders,
		Notes:    svc.notes,
		WebPush:  svc.push,
		Alerts:   svc.alerts,
		Pochas:   svc.pochas,
		Reviews:  svc.reviews,
		POS:      svc.pos,
		Uploads:  svc.uploads,
		Limits:   b.limits,
		Web:      mux,
		Options: handlers.Options{
			ImageLimits:     imaging.Limits{MaxBytes: cfg.MaxImageBytes},
			TrustedProxies:  cfg.TrustedProxies,
			GraphQL:         handlers.GraphQLOptions{NoIntrospection: !cfg.GraphQLIntrospection, AllowedOrigins: cfg.AllowedOrigins},
			MetricsListener: true,
			WebhookRate:     cfg.Security.WebhookRate,
			WritesPerMinute: cfg.Security.WritesPerMinute,
		},
	})
	metrics, err := listenMetrics(cfg.Security.MetricsAddr, api.MetricsHandler(), cfg.Security.MetricsPprof, log)
	if err != nil {
		_ = svc.broker.Close()
		return err
	}
	defer func() { _ = metrics.Close(context.Background()) }()

	workers, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.run(workers, log)
	}()
	if cfg.Demo {
		if err := startDemo(workers, b.store, svc.live, cfg.DemoMovers, log); err != nil {
			log.Error("demo data", "error", err.Error())
		}
	}

	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		// A body must arrive within two minutes (a 10 MB picture over a slow
		// phone link fits); WebSockets set their own deadlines once upgraded.
		ReadTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return workers },
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", addr.String(), "url", fmt.Sprintf("http://localhost:%d", addr.Port), "metrics_addr", metrics.Addr(),
		"database", string(b.store.Dialect()), "redis", b.redis != nil, "redis_cluster", cfg.RedisCluster, "demo", cfg.Demo, "version", Version)

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	shutdown(cfg, log, srv, svc, stopWorkers, done)
	return nil
}

// shutdown stops in order, within cfg.ShutdownTimeout: the HTTP server (no
// new requests), the WebSockets (close code 1001), the workers (waited for),
// then the broker. The backends are closed by the caller after it.
func shutdown(cfg Config, log *slog.Logger, srv *http.Server, svc *services, stopWorkers func(), done <-chan struct{}) {
	log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("http shutdown", "error", err.Error())
	}
	if err := svc.hub.Shutdown(ctx); err != nil {
		log.Warn("websocket shutdown", "error", err.Error())
	}
	stopWorkers()
	<-done
	if err := svc.broker.Close(); err != nil {
		log.Warn("broker close", "error", err.Error())
	}
	log.Info("stopped")
}

// redisClientName names this program's Redis connections (CLIENT LIST) after
// the key prefix, so operators can tell deployments apart.
func redisClientName(prefix string) string {
	name := []byte("illuwa")
	for _, r := range []byte(prefix) {
		if r > ' ' && r < 0x7f {
			name = append(name, r)
		}
	}
	return string(name)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// redisLogger sends go-redis's own messages (reconnects, pool trouble) to
// the JSON log instead of stderr.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
