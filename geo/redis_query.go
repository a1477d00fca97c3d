package geo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
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
	cover := cachedCover(cellOf(lat, lng, StallResolution), radiusM)
	cmds := make([]*redis.StringSliceCmd, 0, len(cover))
	_, err := r.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, c := range cover {
			// The cache holds cells for any point of the centre cell; a
			// round trip is worth a test against this point.
			if g := geometry(c); q.distanceM(g.lat, g.lng, cosLat(g.lat)) <= radiusM+g.radiusM+1e-3 {
				cmds = append(cmds, pipe.SMembers(ctx, r.cellPfx+c.String()))
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
	vals, err := r.client.HMGet(ctx, r.posKey, ids...).Result()
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
		p, err := decodePosition(id, s)
		if err != nil {
			return nil, err
		}
		if !q.inBox(p.Lat, p.Lng) {
			continue
		}
		if d := q.distanceM(p.Lat, p.Lng, cosLat(p.Lat)); d <= radiusM {
			hits = append(hits, Hit{Position: p, DistanceM: d})
		}
	}
	return sortHits(hits, limit), nil
}

// Expire implements Index. It runs the expiry script in batches; each batch
// is atomic, so concurrent callers never return the same position.
func (r *RedisIndex) Expire(ctx context.Context, cutoff time.Time) ([]Position, error) {
	if r.closed.Load() {
		return nil, ErrClosed
	}
	var out []Position
	score := cutoffScore(cutoff)
	for {
		res, err := expireScript.Run(ctx, r.client, []string{r.posKey, r.seenKey},
			score, expireBatch, r.cellPfx).Slice()
		if err != nil {
			return out, fmt.Errorf("geo: expire: %w", err)
		}
		if len(res) == 0 {
			return out, fmt.Errorf("geo: expire: empty reply")
		}
		examined, _ := res[0].(int64)
		for i := 1; i+1 < len(res); i += 2 {
			idStr, _ := res[i].(string)
			enc, _ := res[i+1].(string)
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
		if examined < expireBatch {
			return out, nil
		}
	}
}
