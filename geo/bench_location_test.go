package geo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/illuwa/illuwa/bench/cputime"
)

// BenchmarkLocationUpdate is an owner's location update as the live map
// makes it: before, Get then Upsert (two round trips on Redis); now, one
// Move. cpu-ns/op is this process's CPU per update (the Redis server's is
// not included), the figure that bounds updates per second per core.
func BenchmarkLocationUpdate(b *testing.B) {
	steps := map[string]func(ctx context.Context, idx Index, p Position) error{
		"get+upsert": func(ctx context.Context, idx Index, p Position) error {
			prev, _, err := idx.Get(ctx, p.ID)
			if err != nil {
				return err
			}
			p.Name = prev.Name
			_, _, err = idx.Upsert(ctx, p)
			return err
		},
		"move": func(ctx context.Context, idx Index, p Position) error {
			_, err := idx.Move(ctx, p, 120)
			return err
		},
	}
	for _, backend := range benchBackends {
		for _, name := range []string{"get+upsert", "move"} {
			step := steps[name]
			b.Run(backend+"/"+name, func(b *testing.B) {
				idx, ps := benchIndex(b, backend, benchStalls)
				ctx := context.Background()
				rng := rand.New(rand.NewPCG(2, 3))
				start := cputime.Self()
				b.ResetTimer()
				for b.Loop() {
					p := &ps[rng.IntN(len(ps))]
					p.Lat, p.Lng = destination(p.Lat, p.Lng, rng.Float64()*360, rng.Float64()*50)
					p.At = p.At.Add(10 * time.Second)
					if err := step(ctx, idx, *p); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cputime.Self()-start)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// directMove is RedisIndex.Move without the batcher: one EVALSHA per call
// on the caller's goroutine, for comparison.
func directMove(ctx context.Context, r *RedisIndex, p Position, maxKmh float64) error {
	p = normalize(p, time.Now())
	b := strconv.AppendUint(nil, p.ID, 10)
	b = append(b, '|')
	b = strconv.AppendFloat(b, maxKmh, 'g', -1, 64)
	b = append(b, '|')
	b = appendPositionHead(b, p, cellOf(p.Lat, p.Lng, r.cellRes))
	sh := r.shardOf(p.ID)
	args := []any{"evalsha", movePacked.hash, 2, sh.posArg, sh.seenArg, b, sh.cellPfxArg}
	res, err := r.client.Do(ctx, args...).Text()
	if err == nil && res[0] != '0' {
		return fmt.Errorf("verdict %q", res[:1])
	}
	return err
}

// BenchmarkMoveParallel moves stalls from 32 goroutines at once, as many
// owners' connections do: "batched" is Move (concurrent calls share
// pipelines), "direct" one round trip per call. cpu-ns/op is this
// process's CPU per move.
func BenchmarkMoveParallel(b *testing.B) {
	for _, run := range []struct{ backend, mode string }{
		{"redis", "direct"}, {"redis", "batched"}, {"redis-cluster", "batched"},
	} {
		mode := run.mode
		b.Run(run.backend+"/"+mode, func(b *testing.B) {
			idx, ps := benchIndex(b, run.backend, benchStalls)
			r := idx.(*RedisIndex)
			if err := moveScript.Load(context.Background(), r.client).Err(); err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			start := cputime.Self()
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					// Each call moves its own stall forward in time; stalls
					// are reused round robin, 10 s later each time.
					k := next.Add(1)
					p := ps[k%int64(len(ps))]
					p.At = p.At.Add(time.Duration(k/int64(len(ps))+1) * 10 * time.Second)
					p.Lng += 1e-6
					var err error
					if mode == "direct" {
						err = directMove(ctx, r, p, 120)
					} else {
						_, err = r.Move(ctx, p, 120)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(cputime.Self()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}
