package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers"
	"github.com/illuwa/illuwa/handlers/limit"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
)

// backends are where the server keeps its state: the database, the images,
// and, when configured, Redis with the geo index on it (else the index is in
// memory). Close releases them in the reverse order.
type backends struct {
	store  *store.Store
	images blob.Storage
	redis  *redisBackend // nil without Redis
	limits *limit.Shared // the attempt and rate budgets in Redis; nil without Redis
	index  geo.Index
	ready  []handlers.Check
	reg    *prometheus.Registry
	closed []func()
}

// openBackends opens the database (migrating it), the image store, Redis and
// the index. On failure what was opened is closed again.
func openBackends(ctx context.Context, cfg Config, log *slog.Logger) (b *backends, err error) {
	b = &backends{reg: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	b.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return b, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	if b.store, err = store.Open(ctx, cfg.DatabaseURL); err != nil {
		return b, err
	}
	b.closed = append(b.closed, func() { _ = b.store.Close() })
	if n, err := b.store.MigrateUp(ctx); err != nil {
		return b, err
	} else if n > 0 {
		log.Info("database migrated", "applied", n, "dialect", string(b.store.Dialect()))
	}
	if b.images, err = openImages(ctx, cfg, b.store, log); err != nil {
		return b, err
	}
	b.closed = append(b.closed, func() { _ = b.images.Close() })
	if b.redis, err = openRedis(ctx, cfg, log); err != nil {
		return b, err
	}
	b.index = geo.NewMemoryIndex()
	if b.redis != nil {
		b.closed = append(b.closed, func() { _ = b.redis.client.Close() })
		b.index = b.redis.index
		b.ready = append(b.ready, b.redis.ready)
		b.limits = limit.NewShared(b.redis.client, limit.SharedOptions{Prefix: cfg.RedisPrefix + "limit:", Registerer: b.reg})
	}
	b.closed = append(b.closed, func() { _ = b.index.Close() })
	return b, nil
}

// close releases the backends, the last opened first.
func (b *backends) close() {
	for i := len(b.closed) - 1; i >= 0; i-- {
		b.closed[i]()
	}
	b.closed = nil
}
