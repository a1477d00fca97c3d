package geo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// runScripts runs script once per call in one pipeline (on Redis Cluster,
// one per master, in parallel) and returns the commands in call order, each
// with its own reply or error. A call's args are its numKeys keys, then its
// arguments. Calls that Redis refused with NOSCRIPT (a node that has not
// seen the script yet, such as a replica just promoted) are sent again with
// the script's source.
func runScripts(ctx context.Context, client redis.UniversalClient, script sourcedScript, numKeys int, calls [][]any) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(calls))
	send := func(verb string, body any, which []int) {
		pipe := client.Pipeline()
		for _, i := range which {
			args := make([]any, 0, 3+len(calls[i]))
			args = append(append(args, verb, body, numKeys), calls[i]...)
			cmds[i] = pipe.Do(ctx, args...)
		}
		_, _ = pipe.Exec(ctx) // each command carries its own error
	}
	all := make([]int, len(calls))
	for i := range all {
		all[i] = i
	}
	send("evalsha", script.Hash(), all)
	var retry []int
	for i, c := range cmds {
		if c.Err() != nil && redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			retry = append(retry, i)
		}
	}
	if len(retry) > 0 {
		send("eval", script.src, retry)
	}
	return cmds
}

// sourcedScript is a script with its source, which a pipeline needs to
// fall back to EVAL.
type sourcedScript struct {
	*redis.Script
	src string
}

func newSourcedScript(src string) sourcedScript {
	return sourcedScript{Script: redis.NewScript(src), src: src}
}

// nearbySharded is Nearby on a sharded index, in two round trips as on a
// single Redis: one pipeline of one SUNION per shard over the cells that
// meet the circle (each shard's cell sets share a slot),
// then one pipeline of one HMGET per shard of its candidates. On Redis
// Cluster go-redis splits each pipeline per master and sends the parts in
// parallel. (A Lua script per shard would save a round trip but costs each
// master about 10 µs per call before it does anything.)
func (r *RedisIndex) nearbySharded(ctx context.Context, q circle, radiusM float64, limit int) ([]Hit, error) {
	cover := coverCells(q.lat, q.lng, radiusM, r.cellRes)
	hexes := make([]string, len(cover))
	for i, c := range cover {
		hexes[i] = c.String()
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
	type shardIDs struct {
		ids []string
		cmd *redis.SliceCmd
	}
	var found []shardIDs
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
