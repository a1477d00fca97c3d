package pos

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisPresence is a PresenceStore in Redis, shared by every instance: one
// sorted set per scope (member → last seen, Unix milliseconds) and one key
// per paused stall.
type RedisPresence struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ PresenceStore = (*RedisPresence)(nil)

// NewRedisPresence keeps presence under keys starting with prefix.
func NewRedisPresence(rdb redis.UniversalClient, prefix string) *RedisPresence {
	return &RedisPresence{rdb: rdb, prefix: prefix}
}

// keep is how long an idle scope's set lives.
const keep = time.Hour

// Mark implements PresenceStore.
func (r *RedisPresence) Mark(ctx context.Context, scope, member string, at time.Time) error {
	key := r.prefix + scope
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, key, redis.Z{Score: float64(at.UnixMilli()), Member: member})
		p.ZRemRangeByScore(ctx, key, "-inf", "("+strconv.FormatInt(at.Add(-keep).UnixMilli(), 10))
		p.Expire(ctx, key, keep)
		return nil
	})
	if err != nil {
		return fmt.Errorf("pos: presence mark: %w", err)
	}
	return nil
}

// Drop implements PresenceStore.
func (r *RedisPresence) Drop(ctx context.Context, scope, member string) error {
	if err := r.rdb.ZRem(ctx, r.prefix+scope, member).Err(); err != nil {
		return fmt.Errorf("pos: presence drop: %w", err)
	}
	return nil
}

// Seen implements PresenceStore.
func (r *RedisPresence) Seen(ctx context.Context, scope string, since time.Time) (map[string]time.Time, error) {
	zs, err := r.rdb.ZRangeByScoreWithScores(ctx, r.prefix+scope, &redis.ZRangeBy{
		Min: strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("pos: presence seen: %w", err)
	}
	out := make(map[string]time.Time, len(zs))
	for _, z := range zs {
		if m, ok := z.Member.(string); ok {
			out[m] = time.UnixMilli(int64(z.Score))
		}
	}
	return out, nil
}

// SetPaused implements PresenceStore.
func (r *RedisPresence) SetPaused(ctx context.Context, pochaID uint64, paused bool) (bool, error) {
	key := r.prefix + "paused:" + strconv.FormatUint(pochaID, 10)
	if paused {
		ok, err := r.rdb.SetNX(ctx, key, "1", 24*time.Hour).Result()
		if err != nil {
			return false, fmt.Errorf("pos: set paused: %w", err)
		}
		return ok, nil
	}
	n, err := r.rdb.Del(ctx, key).Result()
	if err != nil {
		return false, fmt.Errorf("pos: set resumed: %w", err)
	}
	return n == 1, nil
}
