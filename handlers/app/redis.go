package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/geo/keyslot"
	"github.com/illuwa/illuwa/handlers"
	"github.com/illuwa/illuwa/realtime"
)

// clusterReloadInterval bounds how long the cluster client keeps sending
// to a master that has failed over: go-redis reloads the cluster's layout
// on a MOVED reply, but a dead master gives none, and its default interval
// is a minute.
const clusterReloadInterval = time.Second

// redisBackend is what ILLUWA_REDIS_URL (and ILLUWA_REDIS_CLUSTER) give the
// server: one client, the geo index on it, the broker maker and the
// readiness check.
type redisBackend struct {
	client    redis.UniversalClient
	index     geo.Index
	newBroker func(recv realtime.Receiver) (realtime.Broker, error)
	ready     handlers.Check
}

// openRedis connects to the configured Redis or Redis Cluster and checks
// that it answers; nil (and no error) when no Redis is configured. The
// caller closes the client.
func openRedis(ctx context.Context, cfg Config, log *slog.Logger) (*redisBackend, error) {
	if cfg.RedisURL == "" {
		if cfg.RedisCluster {
			return nil, errors.New("invalid ILLUWA_REDIS_CLUSTER=true: ILLUWA_REDIS_URL must name the cluster (redis://h1:p1?addr=h2:p2&addr=h3:p3)")
		}
		return nil, nil
	}
	redis.SetLogger(redisLogger{log})
	var rb redisBackend
	var where string
	if cfg.RedisCluster {
		if strings.ContainsAny(cfg.RedisPrefix, "{}") {
			return nil, fmt.Errorf("invalid ILLUWA_REDIS_PREFIX=%q: with ILLUWA_REDIS_CLUSTER=true it must hold no { or } (the server adds hash tags after it)", cfg.RedisPrefix)
		}
		opt, err := redis.ParseClusterURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("invalid ILLUWA_REDIS_URL (a cluster seed list, redis://h1:p1?addr=h2:p2&addr=h3:p3): %w", err)
		}
		if opt.ClientName == "" {
			opt.ClientName = redisClientName(cfg.RedisPrefix)
		}
		if opt.ClusterStateReloadInterval == 0 {
			opt.ClusterStateReloadInterval = clusterReloadInterval
		}
		cc := redis.NewClusterClient(opt)
		rb.client, where = cc, "redis cluster at "+strings.Join(opt.Addrs, ",")
		rb.index = geo.NewRedisClusterIndex(cc, cfg.RedisPrefix+"geo:")
		rb.newBroker = func(recv realtime.Receiver) (realtime.Broker, error) {
			return realtime.NewRedisClusterBroker(cc, cfg.RedisPrefix+"ps:", keyslot.SpreadTags("p", realtime.ClusterGroups), recv)
		}
	} else {
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("invalid ILLUWA_REDIS_URL: %w", err)
		}
		if opt.ClientName == "" {
			opt.ClientName = redisClientName(cfg.RedisPrefix)
		}
		c := redis.NewClient(opt)
		rb.client, where = c, "redis at "+opt.Addr
		rb.index = geo.NewRedisIndex(c, cfg.RedisPrefix+"geo:")
		rb.newBroker = func(recv realtime.Receiver) (realtime.Broker, error) {
			return realtime.NewRedisBroker(c, cfg.RedisPrefix+"ps:", recv)
		}
	}
	pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
	err := rb.client.Ping(pctx).Err()
	pcancel()
	if err != nil {
		_ = rb.client.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	client := rb.client
	rb.ready = handlers.Check{Name: "redis", Ping: func(ctx context.Context) error { return client.Ping(ctx).Err() }}
	return &rb, nil
}
