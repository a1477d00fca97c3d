package geo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/uber/h3-go/v4"
)

// Nearby implements Index in two round trips and two commands per shard:
// one pipeline of one SUNION per shard over the stall cells that may hold
// a hit (a shard's cell sets share a slot), then one pipeline of one HMGET
// per shard of its candidates. On Redis Cluster go-redis splits each
// pipeline per master and sends the parts in parallel. A stall moving
// between the two round trips is judged by the position HMGET returns; one
// that moved into the circle's cells after the SUNION is missed, as if it
// had moved a moment after the query.
//
// A Lua script per shard doing both in one round trip was measured and
// costs Redis more (each id and position crosses into Lua and back):
// docs/performance.md.
func (r *RedisIndex) Nearby(ctx context.Context, lat, lng, radiusM float64, limit int) ([]Hit, error) {
	if err := validateQuery(lat, lng, radiusM); err != nil {
		return nil, err
	}
	if r.closed.Load() {
		return nil, ErrClosed
	}
	q := newCircle(lat, lng, radiusM)
	cover := cachedCover(cellOf(lat, lng, r.cellRes), radiusM)
	hexes := make([]string, 0, len(cover))
	for _, c := range cover {
		if q.mayMeet(c) {
			hexes = append(hexes, c.String())
		}
	}
	unions := make([]*redis.StringSliceCmd, len(r.shards))
	_, err := r.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range r.shards {
			keys := make([]string, len(hexes))
			for j, h := range hexes {
				keys[j] = r.shards[i].cellPfx + h
			}
			unions[i] = pipe.SUnion(ctx, keys...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("geo: nearby: cells: %w", err)
	}
	// A stall is in one cell set of one shard at a time, and SUNION lists
	// each member once, so no candidate comes twice.
	type shardIDs struct {
		ids []string
		cmd *redis.SliceCmd
	}
	found := make([]shardIDs, 0, len(unions))
	_, err = r.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, u := range unions {
			if ids := u.Val(); len(ids) > 0 {
				found = append(found, shardIDs{ids: ids, cmd: pipe.HMGet(ctx, r.shards[i].posKey, ids...)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("geo: nearby: positions: %w", err)
	}
	var hits []Hit
	for _, f := range found {
		for j, v := range f.cmd.Val() {
			enc, ok := v.(string)
			if !ok {
				continue // removed since SUNION
			}
			id, err := strconv.ParseUint(f.ids[j], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("geo: nearby: bad id %q: %w", f.ids[j], err)
			}
			if hits, err = appendHit(hits, q, radiusM, id, enc); err != nil {
				return nil, err
			}
		}
	}
	return sortHits(hits, limit), nil
}

// mayMeet reports whether cell c may hold a point of the circle. The
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
