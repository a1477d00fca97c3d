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

// TestRedisNearbyCommands: a snapshot's query (1 km, about 150 stalls
// over some 60 res-9 or 14 res-8 cells) sends one SUNION per shard, then
// one HMGET per shard that has candidates, in two round trips: two
// commands on a single Redis (it was a SMEMBERS per cell and an HMGET), at
// most 2 × ClusterShards on the sharded layout.
func TestRedisNearbyCommands(t *testing.T) {
	for _, tg := range redisTargets {
		t.Run(tg.name, func(t *testing.T) {
			client, prefix := tg.open(t)
			idx := tg.index(client, prefix)
			t.Cleanup(func() { _ = idx.Close() })
			const lat, lng = 37.55, 126.99
			ps := fillAround(t, idx, lat, lng, 2000, 600, 31)
			mustNearby(t, idx, lat, lng, 1000, 0) // connections open
			counter := redistest.NewCommandCounter()
			client.AddHook(counter)
			qlat, qlng := lat+0.001, lng+0.001
			got := mustNearby(t, idx, qlat, qlng, 1000, 0)
			cmds, trips, byName := counter.Totals()
			shards := int64(len(idx.shards))
			if trips != 2 || byName["sunion"] != shards || byName["hmget"] < 1 || byName["hmget"] > shards ||
				cmds != byName["sunion"]+byName["hmget"] {
				t.Errorf("a 1 km Nearby sent %d commands (%v) in %d round trips; want %d SUNION, then at most %d HMGET, in 2",
					cmds, byName, trips, shards, shards)
			}
			if len(got) < 100 {
				t.Errorf("only %d hits: not a snapshot's worth", len(got))
			}
			sameHits(t, got, ps, qlat, qlng, 1000, 0)
		})
	}
}

// TestRedisNearbyServerCommands counts on a private Redis (INFO
// commandstats) what a 1 km Nearby makes Redis run: one SUNION and at most
// one HMGET per shard, no SMEMBERS.
func TestRedisNearbyServerCommands(t *testing.T) {
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
			if err := client.ConfigResetStat(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			sameHits(t, mustNearby(t, idx, lat, lng, 1000, 0), ps, lat, lng, 1000, 0)
			stats := commandStats(t, client)
			for _, name := range []string{"config|resetstat", "hello", "client|setinfo"} { // not the query's
				delete(stats, name)
			}
			shards := int64(len(idx.shards))
			if stats["sunion"] != shards || stats["hmget"] < 1 || stats["hmget"] > shards || len(stats) != 2 {
				t.Errorf("Redis ran %v; want %d SUNION, at most %d HMGET and nothing else", stats, shards, shards)
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

// TestRedisNearbyWideCircle: a 20 km circle over a dense town is one
// SUNION of some 13,000 res-9 cell sets (on the sharded layout, 12 of
// about 1,900 res-8 sets each) and finds each of 2,500 stalls once.
func TestRedisNearbyWideCircle(t *testing.T) {
	for _, tg := range redisTargets[:2] { // the cluster runs the same commands
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

// TestRedisPositionsCommands: the positions of 200 stalls (a search's
// candidates) are one round trip of one HMGET per shard, not a command and
// a round trip per stall.
func TestRedisPositionsCommands(t *testing.T) {
	for _, tg := range redisTargets {
		t.Run(tg.name, func(t *testing.T) {
			client, prefix := tg.open(t)
			idx := tg.index(client, prefix)
			t.Cleanup(func() { _ = idx.Close() })
			ps := fillAround(t, idx, 37.55, 126.99, 5000, 200, 37)
			ids := make([]uint64, 0, 2*len(ps))
			for _, p := range ps {
				ids = append(ids, p.ID, p.ID+1000) // and as many without a position
			}
			if _, err := idx.Positions(context.Background(), ids); err != nil { // connections open
				t.Fatal(err)
			}
			counter := redistest.NewCommandCounter()
			client.AddHook(counter)
			got, err := idx.Positions(context.Background(), ids)
			if err != nil {
				t.Fatal(err)
			}
			cmds, trips, byName := counter.Totals()
			shards := int64(len(idx.shards))
			if trips != 1 || cmds != shards || byName["hmget"] != shards {
				t.Errorf("Positions of %d ids sent %v in %d round trips; want %d HMGET in 1", len(ids), byName, trips, shards)
			}
			if len(got) != len(ps) {
				t.Fatalf("found %d positions, want %d", len(got), len(ps))
			}
			for _, p := range ps {
				if !samePosition(got[p.ID], p) {
					t.Errorf("position %d = %+v, want %+v", p.ID, got[p.ID], p)
				}
			}
		})
	}
}
