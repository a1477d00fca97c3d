package geo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/uber/h3-go/v4"
)

// Nearby implements Index: one pipeline of SMEMBERS over the stall cells
// that may hold a hit, then one HMGET of the candidates. A stall moving
// between the two round trips is judged by the position HMGET returns.
func (r *RedisIndex) Nearby(ctx context.Context, lat, lng, radiusM float64, limit int) ([]Hit, error) {
	if err := validateQuery(lat, lng, radiusM); err != nil {
		return nil, err
	}
	if r.closed.Load() {
		return nil, ErrClosed
	}
	q := newCircle(lat, lng, radiusM)
	if r.sharded {
		return r.nearbySharded(ctx, q, radiusM, limit)
	}
	cover := cachedCover(cellOf(lat, lng, StallResolution), radiusM)
	sh := &r.shards[0]
	cmds := make([]*redis.StringSliceCmd, 0, len(cover))
	_, err := r.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, c := range cover {
			if q.mayMeet(c) {
				cmds = append(cmds, pipe.SMembers(ctx, sh.cellPfx+c.String()))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("geo: nearby: cells: %w", err)
	}
	n := 0
	for _, cmd := range cmds {
		n += len(cmd.Val())
	}
	if n == 0 {
		return nil, nil
	}
	// A stall is in one cell at a time, but a move between the SMEMBERS
	// calls could list it twice.
	seen := make(map[string]struct{}, n)
	ids := make([]string, 0, n)
	for _, cmd := range cmds {
		for _, id := range cmd.Val() {
			if _, dup := seen[id]; !dup {
				seen[id] = struct{}{}
				ids = append(ids, id)
			}
		}
	}
	vals, err := r.client.HMGet(ctx, sh.posKey, ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("geo: nearby: positions: %w", err)
	}
	hits := make([]Hit, 0, len(vals))
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // removed since SMEMBERS
		}
		id, err := strconv.ParseUint(ids[i], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("geo: nearby: bad id %q: %w", ids[i], err)
		}
		if hits, err = appendHit(hits, q, radiusM, id, s); err != nil {
			return nil, err
		}
	}
	return sortHits(hits, limit), nil
}

// mayMeet reports whether stall cell c may hold a point of the circle. The
// cover cache holds cells for any point of the centre cell; a round trip
// is worth a test against this point.
func (q circle) mayMeet(c h3.Cell) bool {
	g := geometry(c)
	return q.distanceM(g.lat, g.lng, cosLat(g.lat)) <= q.radiusM+g.radiusM+1e-3
}

// appendHit decodes a stored position and appends it to hits when it lies
// within radiusM of the circle's centre.
func appendHit(hits []Hit, q circle, radiusM float64, id uint64, enc string) ([]Hit, error) {
	p, err := decodePosition(id, enc)
	if err != nil {
		return hits, err
	}
	if !q.inBox(p.Lat, p.Lng) {
		return hits, nil
	}
	if d := q.distanceM(p.Lat, p.Lng, cosLat(p.Lat)); d <= radiusM {
		hits = append(hits, Hit{Position: p, DistanceM: d})
	}
	return hits, nil
}

// Expire implements Index. It runs the expiry script in batches, on every
// shard at once (one pipeline a round); each batch is atomic, so
// concurrent callers never return the same position.
func (r *RedisIndex) Expire(ctx context.Context, cutoff time.Time) ([]Position, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	var out []Position
	score := cutoffScore(cutoff)
	pending := make([]*redisShard, len(r.shards))
	for i := range r.shards {
		pending[i] = &r.shards[i]
	}
	for len(pending) > 0 {
		calls := make([][]any, len(pending))
		for i, sh := range pending {
			calls[i] = []any{sh.posKey, sh.seenKey, score, expireBatch, sh.cellPfx}
		}
		cmds := runScripts(ctx, r.client, expireScript, 2, calls)
		more := pending[:0]
		for i, cmd := range cmds {
			res, err := cmd.Slice()
			if err != nil {
				return out, fmt.Errorf("geo: expire: %w", err)
			}
			if len(res) == 0 {
				return out, fmt.Errorf("geo: expire: empty reply")
			}
			examined, _ := res[0].(int64)
			for j := 1; j+1 < len(res); j += 2 {
				idStr, _ := res[j].(string)
				enc, _ := res[j+1].(string)
				id, err := strconv.ParseUint(idStr, 10, 64)
				if err != nil {
					return out, fmt.Errorf("geo: expire: bad id %q: %w", idStr, err)
				}
				p, err := decodePosition(id, enc)
				if err != nil {
					return out, err
				}
				out = append(out, p)
			}
			if examined >= expireBatch {
				more = append(more, pending[i])
			}
		}
		pending = more
	}
	return out, nil
}
