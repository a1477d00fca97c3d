package geo

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/redistest"
)

// fillAround upserts n stalls spread over a disc of radiusM around the
// point and returns their positions as stored.
func fillAround(t *testing.T, idx Index, lat, lng, radiusM float64, n int, seed uint64) []Position {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	ps := make([]Position, n)
	for i := range ps {
		plat, plng := destination(lat, lng, rng.Float64()*360, rng.Float64()*radiusM)
		ps[i] = Position{ID: uint64(i + 1), Name: "s " + strconv.Itoa(i+1), Lat: plat, Lng: plng, At: t0, Seen: t0}
		mustUpsert(t, idx, ps[i])
		ps[i] = normalize(ps[i], t0)
	}
	return ps
}

// sameHits fails t unless got equals the brute-force answer over ps.
func sameHits(t *testing.T, got []Hit, ps []Position, lat, lng, r float64, limit int) {
	t.Helper()
	want := bruteNearby(ps, lat, lng, r, limit)
	if len(got) != len(want) {
		t.Fatalf("Nearby(%v, %v, %v, %d): %d hits, brute force %d", lat, lng, r, limit, len(got), len(want))
	}
	for i := range got {
		if got[i].DistanceM != want[i].DistanceM || !samePosition(got[i].Position, want[i].Position) {
			t.Fatalf("hit %d = %+v, brute force %+v", i, got[i], want[i])
		}
	}
}

// TestRedisNearbyIsOneCommandPerShard: a snapshot's query (1 km, about 150
// stalls over some 60 res-9 or 14 res-8 cells) sends one EVALSHA per shard
// in one round trip: one command on a single Redis, ClusterShards on the
// sharded layout, instead of a command per cell and a second round trip
// for the positions.
func TestRedisNearbyIsOneCommandPerShard(t *testing.T) {
	for _, tg := range redisTargets {
		t.Run(tg.name, func(t *testing.T) {
			client, prefix := tg.open(t)
			idx := tg.index(client, prefix)
			t.Cleanup(func() { _ = idx.Close() })
			const lat, lng = 37.55, 126.99
			ps := fillAround(t, idx, lat, lng, 2000, 600, 31)
			mustNearby(t, idx, lat, lng, 1000, 0) // the script loaded where it was not yet
			counter := newCommandCounter()
			client.AddHook(counter)
			qlat, qlng := lat+0.001, lng+0.001
			got := mustNearby(t, idx, qlat, qlng, 1000, 0)
			cmds, trips, byName := counter.totals()
			shards := int64(len(idx.shards))
			if cmds != shards || trips != 1 || byName["evalsha"] != shards {
				t.Errorf("a 1 km Nearby sent %d commands (%v) in %d round trips; want %d EVALSHA in 1", cmds, byName, trips, shards)
			}
			if len(got) < 100 {
				t.Errorf("only %d hits: not a snapshot's worth", len(got))
			}
			sameHits(t, got, ps, qlat, qlng, 1000, 0)
		})
	}
}

// TestRedisNearbyScriptLoadedAndCounted runs Nearby on a private Redis
// that has never seen the script: the EVALSHA fails with NOSCRIPT and is
// sent again as EVAL, and the Redis side runs one SUNION and one HMGET, no
// SMEMBERS (INFO commandstats).
func TestRedisNearbyScriptLoadedAndCounted(t *testing.T) {
	srv := redistest.StartServer(t)
	client := srv.Client()
	t.Cleanup(func() { _ = client.Close() })
	for _, layout := range []struct {
		name  string
		index func(redis.UniversalClient, string) *RedisIndex
	}{{"single", NewRedisIndex}, {"sharded", NewRedisClusterIndex}} {
		t.Run(layout.name, func(t *testing.T) {
			ctx := context.Background()
			idx := layout.index(client, layout.name+":")
			const lat, lng = 37.55, 126.99
			ps := fillAround(t, idx, lat, lng, 2000, 300, 33)
			if err := client.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if err := client.ConfigResetStat(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			counter := newCommandCounter()
			client.AddHook(counter)
			got := mustNearby(t, idx, lat, lng, 1000, 0)
			sameHits(t, got, ps, lat, lng, 1000, 0)
			cmds, trips, byName := counter.totals()
			shards := int64(len(idx.shards))
			if trips != 2 || byName["evalsha"] != shards || byName["eval"] != shards || cmds != 2*shards {
				t.Errorf("sent %v in %d round trips; want %d EVALSHA refused, then %d EVAL", byName, trips, shards, shards)
			}
			stats := commandStats(t, client)
			if stats["smembers"] != 0 || stats["sunion"] != shards || stats["hmget"] > shards || stats["eval"] != shards {
				t.Errorf("Redis ran %v; want %d EVAL, %d SUNION, at most %d HMGET, no SMEMBERS", stats, shards, shards, shards)
			}
			counter.reset()
			sameHits(t, mustNearby(t, idx, lat, lng, 1000, 0), ps, lat, lng, 1000, 0)
			if cmds, trips, byName := counter.totals(); cmds != shards || trips != 1 || byName["evalsha"] != shards {
				t.Errorf("once loaded: %v in %d round trips; want %d EVALSHA in 1", byName, trips, shards)
			}
		})
	}
}

// commandStats returns the calls of each command from INFO commandstats.
func commandStats(t *testing.T, client *redis.Client) map[string]int64 {
	t.Helper()
	info, err := client.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		n, err := strconv.ParseInt(calls, 10, 64)
		if err != nil {
			t.Fatalf("commandstats line %q: %v", line, err)
		}
		out[name] = n
	}
	return out
}

// TestRedisNearbyWideCircle: a 20 km circle over a dense town reads some
// 13,000 res-9 cell sets and 2,500 stalls, more than the script passes to
// one SUNION or HMGET (1,000), and still finds every stall once.
func TestRedisNearbyWideCircle(t *testing.T) {
	for _, tg := range redisTargets[:2] { // the cluster runs the same script
		t.Run(tg.name, func(t *testing.T) {
			client, prefix := tg.open(t)
			idx := tg.index(client, prefix)
			const lat, lng = 37.55, 126.99
			ps := fillAround(t, idx, lat, lng, 600, 2500, 35)
			for _, limit := range []int{0, 10} {
				sameHits(t, mustNearby(t, idx, lat+0.01, lng, MaxRadiusM, limit), ps, lat+0.01, lng, MaxRadiusM, limit)
			}
		})
	}
}
