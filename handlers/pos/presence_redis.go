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
	zs, err := r.rdb.ZRangeByScoreWithScores(ctx, r.prefix+scope, seenRange(since)).Result()
	if err != nil {
		return nil, fmt.Errorf("pos: presence seen: %w", err)
	}
	return seenMap(zs), nil
}

// seenRange is the scores of the members seen at or after since.
func seenRange(since time.Time) *redis.ZRangeBy {
	return &redis.ZRangeBy{Min: strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf"}
}

// seenMap is a scope's set read back: member → when seen.
func seenMap(zs []redis.Z) map[string]time.Time {
	out := make(map[string]time.Time, len(zs))
	for _, z := range zs {
		if m, ok := z.Member.(string); ok {
			out[m] = time.UnixMilli(int64(z.Score))
		}
	}
	return out
}

// SeenEach implements PresenceStore: one pipeline (on a cluster, go-redis
// splits it by slot).
func (r *RedisPresence) SeenEach(ctx context.Context, scopes []string, since time.Time) ([]map[string]time.Time, error) {
	if len(scopes) == 0 {
		return nil, nil
	}
	by := seenRange(since)
	cmds := make([]*redis.ZSliceCmd, len(scopes))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, sc := range scopes {
			cmds[i] = p.ZRangeByScoreWithScores(ctx, r.prefix+sc, by)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pos: presence seen: %w", err)
	}
	out := make([]map[string]time.Time, len(scopes))
	for i, c := range cmds {
		out[i] = seenMap(c.Val())
	}
	return out, nil
}

// pausedTTL bounds how long a paused mark outlives the instances that keep
// it (every sweep sets or clears it again).
const pausedTTL = 24 * time.Hour

// SetPausedEach implements PresenceStore: a paused stall's key is set if
// absent (SET NX: of several instances, one sees the change), a resumed
// one's deleted (DEL: one sees it gone), all in one pipeline.
func (r *RedisPresence) SetPausedEach(ctx context.Context, ids []uint64, paused []bool) ([]bool, error) {
	if len(ids) != len(paused) {
		return nil, errEachLengths
	}
	if len(ids) == 0 {
		return nil, nil
	}
	sets := make([]*redis.BoolCmd, len(ids))
	dels := make([]*redis.IntCmd, len(ids))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			key := r.prefix + "paused:" + strconv.FormatUint(id, 10)
			if paused[i] {
				sets[i] = p.SetNX(ctx, key, "1", pausedTTL)
			} else {
				dels[i] = p.Del(ctx, key)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pos: set paused: %w", err)
	}
	changed := make([]bool, len(ids))
	for i := range ids {
		if sets[i] != nil {
			changed[i] = sets[i].Val()
		} else {
			changed[i] = dels[i].Val() == 1
		}
	}
	return changed, nil
}

// SweepTurn implements PresenceStore: the key "sweep" set if absent (SET
// NX) for nine tenths of every, so that the instance that swept asks again
// after it has lapsed; if that instance is gone, another takes the next
// turn.
func (r *RedisPresence) SweepTurn(ctx context.Context, every time.Duration) (bool, error) {
	ok, err := r.rdb.SetNX(ctx, r.prefix+"sweep", "1", max(every*9/10, time.Millisecond)).Result()
	if err != nil {
		return false, fmt.Errorf("pos: sweep turn: %w", err)
	}
	return ok, nil
}
