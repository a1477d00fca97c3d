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
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers"
	"github.com/illuwa/illuwa/handlers/accounts"
	"github.com/illuwa/illuwa/handlers/imaging"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/handlers/notify"
	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/pochas"
	"github.com/illuwa/illuwa/handlers/pos"
	"github.com/illuwa/illuwa/handlers/reviews"
	"github.com/illuwa/illuwa/handlers/toss"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/web"
)

// fakeGatewayPath is where the built-in fake payment gateway is mounted when
// no real one is configured.
const fakeGatewayPath = "/fake-pg"

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

	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if n, err := st.MigrateUp(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Info("database migrated", "applied", n, "dialect", string(st.Dialect()))
	}
	images, err := blob.OpenDir(ctx, filepath.Join(cfg.DataDir, "images"))
	if err != nil {
		return err
	}
	defer images.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var ready []handlers.Check
	var rdb *redis.Client
	var index geo.Index = geo.NewMemoryIndex()
	if cfg.RedisURL != "" {
		redis.SetLogger(redisLogger{log})
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("invalid ILLUWA_REDIS_URL: %w", err)
		}
		if opt.ClientName == "" {
			opt.ClientName = redisClientName(cfg.RedisPrefix)
		}
		rdb = redis.NewClient(opt)
		defer rdb.Close()
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		err = rdb.Ping(pctx).Err()
		pcancel()
		if err != nil {
			return fmt.Errorf("redis at %s: %w", opt.Addr, err)
		}
		index = geo.NewRedisIndex(rdb, cfg.RedisPrefix+"geo:")
		ready = append(ready, handlers.Check{Name: "redis", Ping: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }})
	}
	defer index.Close()

	resynced := make(chan struct{}, 1)
	hub, err := realtime.NewHub(realtime.Options{
		Resynced:       resynced,
		AllowedOrigins: cfg.AllowedOrigins,
		MessageRate:    cfg.WSMessageRate,
		MessageBurst:   int(2 * cfg.WSMessageRate),
		Registerer:     reg,

		MaxConns:        cfg.Security.WSMaxConns,
		MaxConnsPerUser: cfg.Security.WSMaxConnsPerUser,
		MaxConnsPerAddr: cfg.Security.WSMaxConnsPerAddr,
	}, livemap.Reader{Index: index})
	if err != nil {
		return err
	}
	var broker realtime.Broker
	if rdb != nil {
		rb, err := realtime.NewRedisBroker(rdb, cfg.RedisPrefix+"ps:", hub)
		if err != nil {
			return err
		}
		broker = rb
	} else {
		broker = realtime.NewMemoryBroker(hub)
	}
	hub.SetBroker(broker)
	live := livemap.New(livemap.Deps{Index: index, Publisher: hub, Store: st, Log: log, Registerer: reg,
		Options: livemap.Options{TTL: cfg.LocationTTL, MaxSpeedKmh: cfg.MaxSpeedKmh}})
	if n, err := live.Restore(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Info("stalls back on the map", "count", n)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (ILLUWA_ADDR): %w", cfg.Addr, err)
	}
	addr := ln.Addr().(*net.TCPAddr)

	webCfg := web.DefaultConfig()
	if cfg.TileURL != "" {
		webCfg.TileURL = cfg.TileURL
	}
	if err := webCfg.Validate(); err != nil {
		ln.Close()
		return fmt.Errorf("invalid ILLUWA_TILE_URL: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler(webCfg))
	var provider handlers.PaymentProvider
	switch {
	case cfg.PaymentsURL != "":
		provider = toss.New(cfg.PaymentsURL, cfg.PaymentsKey, nil)
	case cfg.Demo:
		// The demo pays through a fake gateway in this process, with a secret
		// of its own so nobody else can drive it.
		secret := "test_sk_" + randomHex(16)
		fake := tossfake.New(tossfake.Options{SecretKey: secret})
		mux.Handle(fakeGatewayPath+"/", http.StripPrefix(fakeGatewayPath, fake))
		provider = toss.New(fmt.Sprintf("http://127.0.0.1:%d%s", addr.Port, fakeGatewayPath), secret, nil)
		log.Warn("demo: payments go to the built-in fake gateway at " + fakeGatewayPath)
	default:
		log.Warn("card payments are off: set ILLUWA_PAYMENTS_URL and ILLUWA_PAYMENTS_SECRET_KEY (or run with --demo for a fake gateway)")
	}

	outbox, err := newOutbox(cfg.Mail, st, log)
	if err != nil {
		ln.Close()
		return err
	}
	notes := notify.New(st, hub, outbox, log)
	orders := ordering.New(ordering.Deps{Store: st, Payments: provider, Push: hub, Notes: notes, Log: log,
		Options: ordering.Options{AcceptTimeout: cfg.AcceptTimeout, PaymentFeeRate: cfg.PaymentFeeRate,
			UnpaidTTL: cfg.Security.UnpaidOrderTTL}})
	posDeps := pos.Deps{Store: st, End: hub, Announce: live, Log: log, Options: pos.Options{PauseAfter: cfg.PauseOffline}}
	if rdb != nil {
		posDeps.Presence = pos.NewRedisPresence(rdb, cfg.RedisPrefix+"presence:")
	}
	posSvc := pos.New(posDeps)
	pochaSvc := pochas.New(pochas.Deps{Store: st, Locations: live})
	reviewSvc := reviews.New(reviews.Deps{Store: st, Notes: notes})
	api := handlers.New(handlers.Deps{
		Store:    st,
		Images:   images,
		Log:      log,
		Registry: reg,
		Ready:    ready,
		Live:     live,
		Accounts: accounts.New(accounts.Deps{Store: st, Sessions: hub, Mail: outbox, Notices: notes, PublicURL: cfg.Mail.publicURL(addr.Port), Log: log}),
		Hub:      hub,
		Payments: provider,
		Orders:   orders,
		Notes:    notes,
		Push:     hub,
		Pochas:   pochaSvc,
		Reviews:  reviewSvc,
		POS:      posSvc,
		Web:      mux,
		Options: handlers.Options{
			ImageLimits:     imaging.Limits{MaxBytes: cfg.MaxImageBytes},
			TrustedProxies:  cfg.TrustedProxies,
			GraphQL:         handlers.GraphQLOptions{NoIntrospection: !cfg.GraphQLIntrospection, AllowedOrigins: cfg.AllowedOrigins},
			MetricsListener: true,
		},
	})
	metrics, err := listenMetrics(cfg.Security.MetricsAddr, api.MetricsHandler(), log)
	if err != nil {
		ln.Close()
		return err
	}
	defer func() { _ = metrics.Close(context.Background()) }()

	workers, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	done := make(chan struct{})
	go func() {
		defer close(done)
		go posSvc.Run(workers)
		go outbox.Run(workers)
		background(workers, log, hub, live, orders, resynced)
	}()
	if cfg.Demo {
		if err := startDemo(workers, st, live, cfg.DemoMovers, log); err != nil {
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
		"database", string(st.Dialect()), "redis", rdb != nil, "demo", cfg.Demo, "version", Version)

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "error", err.Error())
	}
	if err := hub.Shutdown(sctx); err != nil {
		log.Warn("websocket shutdown", "error", err.Error())
	}
	stopWorkers()
	<-done
	if err := broker.Close(); err != nil {
		log.Warn("broker close", "error", err.Error())
	}
	log.Info("stopped")
	return nil
}

// background runs the hub and the periodic work until ctx ends.
func background(ctx context.Context, log *slog.Logger, hub *realtime.Hub, live *livemap.Service, orders *ordering.Service, resynced <-chan struct{}) {
	done := make(chan struct{}, 3)
	go func() {
		if err := hub.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("hub stopped", "error", err.Error())
		}
		done <- struct{}{}
	}()
	go func() { live.Run(ctx, resynced); done <- struct{}{} }()
	go func() { orders.Run(ctx); done <- struct{}{} }()
	for range 3 {
		<-done
	}
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
