package geo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// expireBatch bounds how many positions one Expire script removes, so a
// large expiry never blocks Redis for long.
const expireBatch = 500

// RedisIndex is an Index kept in Redis (7.0 or later), shared by every
// instance that uses the same client target and prefix. All its keys start
// with the prefix:
//
//	<prefix>pos           hash: stall id -> encoded position (with its cell)
//	<prefix>seen          sorted set: stall id scored by Seen (unix µs)
//	<prefix>cell:<hex>    set: ids of the stalls in one StallResolution cell
//
// Upsert, Remove and Expire are Lua scripts (one round trip, atomic); Nearby
// is one pipeline of SMEMBERS over the covering cells and one HMGET.
type RedisIndex struct {
	client  redis.UniversalClient
	posKey  string
	seenKey string
	cellPfx string
	closed  atomic.Bool
}

var _ Index = (*RedisIndex)(nil)

// NewRedisIndex returns a RedisIndex that stores its keys under prefix in
// the Redis reached by client. The caller keeps ownership of client: Close
// does not close it.
func NewRedisIndex(client redis.UniversalClient, prefix string) *RedisIndex {
	return &RedisIndex{
		client:  client,
		posKey:  prefix + "pos",
		seenKey: prefix + "seen",
		cellPfx: prefix + "cell:",
	}
}

// Upsert implements Index.
func (r *RedisIndex) Upsert(ctx context.Context, p Position) (Position, bool, error) {
	if err := ValidateCoord(p.Lat, p.Lng); err != nil {
		return Position{}, false, fmt.Errorf("geo: upsert %d: %w", p.ID, err)
	}
	if r.closed.Load() {
		return Position{}, false, ErrClosed
	}
	p = normalize(p, time.Now())
	cell := cellOf(p.Lat, p.Lng, StallResolution)
	hex := cell.String()
	id := strconv.FormatUint(p.ID, 10)
	keys := []string{r.posKey, r.seenKey, r.cellPfx + hex}
	res, err := upsertScript.Run(ctx, r.client, keys,
		id, encodePosition(p, cell), seenScore(p.Seen), r.cellPfx, hex).Result()
	return r.previous(p.ID, "upsert", res, err)
}

// Remove implements Index.
func (r *RedisIndex) Remove(ctx context.Context, id uint64) (Position, bool, error) {
	if r.closed.Load() {
		return Position{}, false, ErrClosed
	}
	res, err := removeScript.Run(ctx, r.client, []string{r.posKey, r.seenKey},
		strconv.FormatUint(id, 10), r.cellPfx).Result()
	return r.previous(id, "remove", res, err)
}

// previous decodes the old value a script returned (nil when none).
func (r *RedisIndex) previous(id uint64, op string, res any, err error) (Position, bool, error) {
	if errors.Is(err, redis.Nil) {
		return Position{}, false, nil
	}
	if err != nil {
		return Position{}, false, fmt.Errorf("geo: %s %d: %w", op, id, err)
	}
	s, ok := res.(string)
	if !ok {
		return Position{}, false, fmt.Errorf("geo: %s %d: unexpected reply %T", op, id, res)
	}
	p, err := decodePosition(id, s)
	if err != nil {
		return Position{}, false, err
	}
	return p, true, nil
}

// Get implements Index.
func (r *RedisIndex) Get(ctx context.Context, id uint64) (Position, bool, error) {
	if r.closed.Load() {
		return Position{}, false, ErrClosed
	}
	s, err := r.client.HGet(ctx, r.posKey, strconv.FormatUint(id, 10)).Result()
	if errors.Is(err, redis.Nil) {
		return Position{}, false, nil
	}
	if err != nil {
		return Position{}, false, fmt.Errorf("geo: get %d: %w", id, err)
	}
	p, err := decodePosition(id, s)
	if err != nil {
		return Position{}, false, err
	}
	return p, true, nil
}

// Close implements Index. It does not close the client.
func (r *RedisIndex) Close() error {
	r.closed.Store(true)
	return nil
}
