package geo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/uber/h3-go/v4"
)

// Nearby implements Index: one call of the nearby script (one command,
// one round trip), which unions the stall cells that may hold a hit and
// returns the positions of their stalls. Every candidate is judged by the
// position the script returned.
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
	keys := make([]any, 1, 1+len(cover))
	keys[0] = sh.posArg
	for _, c := range cover {
		if q.mayMeet(c) {
			keys = append(keys, sh.cellPfx+c.String())
		}
	}
	if len(keys) == 1 {
		return nil, nil
	}
	cmds := runScripts(ctx, r.client, nearbyScript, len(keys), [][]any{keys})
	hits, err := appendScriptHits(nil, q, radiusM, cmds[0])
	if err != nil {
		return nil, err
	}
	return sortHits(hits, limit), nil
}

// appendScriptHits appends to hits the stalls of one nearby script's reply
// (id, encoded position, ...) that lie within radiusM of the circle's
// centre.
func appendScriptHits(hits []Hit, q circle, radiusM float64, cmd *redis.Cmd) ([]Hit, error) {
	res, err := cmd.Slice()
	if err != nil {
		return hits, fmt.Errorf("geo: nearby: %w", err)
	}
	if len(res)%2 != 0 {
		return hits, fmt.Errorf("geo: nearby: reply of %d items, want pairs", len(res))
	}
	for i := 0; i < len(res); i += 2 {
		idStr, _ := res[i].(string)
		enc, ok := res[i+1].(string)
		if !ok {
			return hits, fmt.Errorf("geo: nearby: position of %q is %T", idStr, res[i+1])
		}
		id, err := strconv.ParseUint(idStr, 10, 64)
		if err != nil {
			return hits, fmt.Errorf("geo: nearby: bad id %q: %w", idStr, err)
		}
		if hits, err = appendHit(hits, q, radiusM, id, enc); err != nil {
			return hits, err
		}
	}
	return hits, nil
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
