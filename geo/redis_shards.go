package geo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
	"github.com/uber/h3-go/v4"
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

// nearbySharded is Nearby on a sharded index: one nearbyScript per shard,
// all in one pipeline, over the cells of cover that may meet the circle.
func (r *RedisIndex) nearbySharded(ctx context.Context, q circle, cover []h3.Cell, radiusM float64, limit int) ([]Hit, error) {
	hexes := make([]any, 0, len(cover))
	for _, c := range cover {
		if q.mayMeet(c) {
			hexes = append(hexes, c.String())
		}
	}
	if len(hexes) == 0 {
		return nil, nil
	}
	calls := make([][]any, len(r.shards))
	for i := range r.shards {
		sh := &r.shards[i]
		call := make([]any, 0, 2+len(hexes))
		calls[i] = append(append(call, sh.posArg, sh.cellPfxArg), hexes...)
	}
	var hits []Hit
	for _, cmd := range runScripts(ctx, r.client, nearbyScript, 1, calls) {
		res, err := cmd.Slice()
		if err != nil {
			return nil, fmt.Errorf("geo: nearby: %w", err)
		}
		for j := 0; j+1 < len(res); j += 2 {
			idStr, _ := res[j].(string)
			enc, _ := res[j+1].(string)
			id, err := strconv.ParseUint(idStr, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("geo: nearby: bad id %q: %w", idStr, err)
			}
			if hits, err = appendHit(hits, q, radiusM, id, enc); err != nil {
				return nil, err
			}
		}
	}
	return sortHits(hits, limit), nil
}
