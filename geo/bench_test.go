package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/redistest"

	"github.com/illuwa/illuwa/bench/cputime"
)

// Benchmarks: go test -run '^$' -bench . -benchmem ./geo/
// The Redis ones need a Redis (ILLUWA_TEST_REDIS_URL, default redis://127.0.0.1:6379/0);
// "redis-sharded" is the cluster layout on that Redis, "redis-cluster" the
// same on a private Redis Cluster of 3 masters and 3 replicas.

// benchBackends are the index backends the benchmarks compare.
var benchBackends = []string{"memory", "redis", "redis-sharded", "redis-cluster"}

const benchStalls = 10_000

// benchIndex returns an index of the given backend filled with n stalls
// spread over Seoul, and their positions.
func benchIndex(b *testing.B, backend string, n int) (Index, []Position) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	ps := make([]Position, n)
	for i := range ps {
		lat, lng := randomSeoul(rng)
		ps[i] = normalize(Position{ID: uint64(i + 1), Name: "stall " + strconv.Itoa(i+1), Lat: lat, Lng: lng, At: t0, Seen: t0}, t0)
	}
	switch backend {
	case "memory":
		idx := NewMemoryIndex()
		for _, p := range ps {
			if _, _, err := idx.Upsert(context.Background(), p); err != nil {
				b.Fatal(err)
			}
		}
		return idx, ps
	case "redis", "redis-sharded":
		client, prefix := mustOpenRedis(b)
		idx := NewRedisIndex(client, prefix)
		if backend == "redis-sharded" {
			idx = NewRedisClusterIndex(client, prefix)
		}
		fillRedis(b, client, idx, ps)
		return idx, ps
	case "redis-cluster":
		client, prefix := openCluster(b)
		idx := NewRedisClusterIndex(client, prefix)
		fillRedis(b, client, idx, ps)
		return idx, ps
	}
	b.Fatalf("unknown backend %q", backend)
	return nil, nil
}

// fillRedis loads positions with the upsert script, pipelined in batches.
func fillRedis(b *testing.B, client redis.UniversalClient, idx *RedisIndex, ps []Position) {
	ctx := context.Background()
	if err := upsertScript.Load(ctx, client).Err(); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < len(ps); start += 1000 {
		_, err := client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, p := range ps[start:min(start+1000, len(ps))] {
				cell := cellOf(p.Lat, p.Lng, idx.cellRes)
				sh := idx.shardOf(p.ID)
				pipe.EvalSha(ctx, upsertScript.Hash(), []string{sh.posKey, sh.seenKey},
					strconv.FormatUint(p.ID, 10)+"|"+encodePosition(p, cell), sh.cellPfx)
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) { // nil: no previous position
			b.Fatal(err)
		}
	}
}

// benchMoves upserts random stalls, each moved by up to 50 m.
func benchMoves(b *testing.B, idx Index, ps []Position) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, 3))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p := &ps[rng.IntN(len(ps))]
		p.Lat, p.Lng = destination(p.Lat, p.Lng, rng.Float64()*360, rng.Float64()*50)
		p.Seen = t0.Add(time.Duration(i) * time.Millisecond)
		if _, _, err := idx.Upsert(ctx, *p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpsertMoving(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) {
			idx, ps := benchIndex(b, backend, benchStalls)
			benchMoves(b, idx, ps)
		})
	}
}

// BenchmarkMoveMoving is BenchmarkUpsertMoving through Move, the owner's
// location update: steps of up to 50 m, 10 s apart, under 120 km/h.
func BenchmarkMoveMoving(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) {
			idx, ps := benchIndex(b, backend, benchStalls)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(2, 3))
			b.ResetTimer()
			for b.Loop() {
				p := &ps[rng.IntN(len(ps))]
				p.Lat, p.Lng = destination(p.Lat, p.Lng, rng.Float64()*360, rng.Float64()*50)
				p.At = p.At.Add(10 * time.Second)
				if _, err := idx.Move(ctx, *p, 120); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// serverCPUUsec returns the CPU time, in microseconds, that the Redis
// server (every master of a cluster) has used: INFO cpu, user plus system.
// Unlike INFO commandstats it counts reading requests and writing replies,
// and it counts the commands a Lua script calls once, not both in the
// script's time and in their own.
func serverCPUUsec(b *testing.B, client redis.UniversalClient) float64 {
	b.Helper()
	ctx := context.Background()
	sum := func(c redis.Cmdable) (float64, error) {
		info, err := c.Info(ctx, "cpu").Result()
		if err != nil {
			return 0, err
		}
		var total float64
		for line := range strings.Lines(info) {
			name, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if !ok || (name != "used_cpu_user" && name != "used_cpu_sys") {
				continue
			}
			sec, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("INFO cpu line %q: %w", line, err)
			}
			total += sec * 1e6
		}
		return total, nil
	}
	var total float64
	var err error
	if cc, ok := client.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			v, err := sum(c)
			mu.Lock()
			total += v
			mu.Unlock()
			return err
		})
	} else {
		total, err = sum(client)
	}
	if err != nil {
		b.Fatal(err)
	}
	return total
}

// nearbyPoints returns 4,096 random points of Seoul, the same at every
// call, with the covering cache warmed for 1 km circles around them, as on
// a server that has been answering for a while (Seoul has about 8,300 stall
// cells).
func nearbyPoints() [][2]float64 {
	rng := rand.New(rand.NewPCG(4, 5))
	pts := make([][2]float64, 4096)
	for i := range pts {
		pts[i][0], pts[i][1] = randomSeoul(rng)
		cachedCover(cellOf(pts[i][0], pts[i][1], StallResolution), 1000)
	}
	return pts
}

// BenchmarkNearby1km is a 1 km Nearby (a WebSocket snapshot's query) at
// random points of Seoul (nearbyPoints) among 10,000 stalls. cpu-ns/op is
// this process's CPU per query (the Redis server's is not included). On
// Redis, cmds/op and trips/op are the commands the client sends and its
// round trips per query (a pipeline is one round trip, on a cluster one per
// master in parallel), and redis-cpu-us/op is the Redis server's CPU per
// query (serverCPUUsec, summed over the masters of a cluster). That counts
// every client of the server: run it on a Redis of your own
// (ILLUWA_TEST_REDIS_URL).
func BenchmarkNearby1km(b *testing.B) {
	for _, backend := range benchBackends {
		b.Run(backend, func(b *testing.B) {
			idx, _ := benchIndex(b, backend, benchStalls)
			ctx := context.Background()
			var counter *redistest.CommandCounter
			var redisUs float64
			if r, ok := idx.(*RedisIndex); ok {
				if _, err := idx.Nearby(ctx, 37.55, 127, 1000, 0); err != nil { // scripts loaded, connections open
					b.Fatal(err)
				}
				redisUs = serverCPUUsec(b, r.client)
				counter = redistest.NewCommandCounter()
				r.client.AddHook(counter)
			}
			pts := nearbyPoints()
			hits := 0
			start := cputime.Self()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				pt := pts[i%len(pts)]
				h, err := idx.Nearby(ctx, pt[0], pt[1], 1000, 0)
				if err != nil {
					b.Fatal(err)
				}
				hits += len(h)
			}
			b.ReportMetric(float64(cputime.Self()-start)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
			if counter != nil {
				cmds, trips, _ := counter.Totals()
				b.ReportMetric(float64(cmds)/float64(b.N), "cmds/op")
				b.ReportMetric(float64(trips)/float64(b.N), "trips/op")
				b.ReportMetric((serverCPUUsec(b, idx.(*RedisIndex).client)-redisUs)/float64(b.N), "redis-cpu-us/op")
			}
		})
	}
}

func BenchmarkTopicsCovering1km(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 7))
	for b.Loop() {
		lat, lng := randomSeoul(rng)
		if len(TopicsCovering(lat, lng, 1000)) == 0 {
			b.Fatal("empty covering")
		}
	}
}

// BenchmarkRedisUpsertScale shows that a Redis Upsert costs the same with
// 1,000 and 100,000 stalls in the index.
func BenchmarkRedisUpsertScale(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("stalls=%d", n), func(b *testing.B) {
			idx, ps := benchIndex(b, "redis", n)
			benchMoves(b, idx, ps)
		})
	}
}

// BenchmarkTopicResolution measures, for watch circles at random places in
// Seoul, how many topic cells a watcher holds (topics/watch) and the area
// of those cells over the circle's area (area-ratio: events received per
// event inside the circle, for evenly spread stalls).
func BenchmarkTopicResolution(b *testing.B) {
	for _, radius := range []float64{500, 1000, 3000} {
		for _, res := range []int{7, 8} {
			b.Run(fmt.Sprintf("r=%gm/res=%d", radius, res), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(8, 9))
				var cells, area float64
				for b.Loop() {
					lat, lng := randomSeoul(rng)
					cs := coverCells(lat, lng, radius, res)
					cells += float64(len(cs))
					for _, c := range cs {
						area += cellAreaM2(c)
					}
				}
				circle := math.Pi * radius * radius
				b.ReportMetric(cells/float64(b.N), "topics/watch")
				b.ReportMetric(area/float64(b.N)/circle, "area-ratio")
			})
		}
	}
}

// BenchmarkPositions200 reads the positions of 200 stalls (a search's
// candidates), half of them without a position, among 10,000: "get" with
// one Get per stall (how a search read them before), "positions" with one
// Positions. The metrics are BenchmarkNearby1km's.
func BenchmarkPositions200(b *testing.B) {
	for _, backend := range benchBackends[1:] {
		for _, mode := range []string{"get", "positions"} {
			b.Run(backend+"/"+mode, func(b *testing.B) {
				idx, _ := benchIndex(b, backend, benchStalls)
				r := idx.(*RedisIndex)
				ctx := context.Background()
				rng := rand.New(rand.NewPCG(10, 11))
				read := func() int {
					ids := make([]uint64, 200)
					for i := range ids {
						ids[i] = uint64(rng.IntN(2 * benchStalls)) // ids above 10,000 have no position
					}
					if mode == "positions" {
						ps, err := idx.Positions(ctx, ids)
						if err != nil {
							b.Fatal(err)
						}
						return len(ps)
					}
					n := 0
					for _, id := range ids {
						_, ok, err := idx.Get(ctx, id)
						if err != nil {
							b.Fatal(err)
						}
						if ok {
							n++
						}
					}
					return n
				}
				read() // connections open
				redisUs := serverCPUUsec(b, r.client)
				counter := redistest.NewCommandCounter()
				r.client.AddHook(counter)
				found := 0
				start := cputime.Self()
				b.ResetTimer()
				for b.Loop() {
					found += read()
				}
				b.StopTimer()
				b.ReportMetric(float64(cputime.Self()-start)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(found)/float64(b.N), "found/op")
				cmds, trips, _ := counter.Totals()
				b.ReportMetric(float64(cmds)/float64(b.N), "cmds/op")
				b.ReportMetric(float64(trips)/float64(b.N), "trips/op")
				b.ReportMetric((serverCPUUsec(b, r.client)-redisUs)/float64(b.N), "redis-cpu-us/op")
			})
		}
	}
}
