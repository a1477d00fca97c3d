package geo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/keyslot"
	"github.com/illuwa/illuwa/geo/redistest"
)

// mustOpenRedis returns a client to the test Redis (ILLUWA_TEST_REDIS_URL,
// default redis://127.0.0.1:6379/0) and a fresh key prefix that is deleted when the test ends.
// Without a reachable Redis the test fails when CI=true and is skipped
// otherwise.
func mustOpenRedis(tb testing.TB) (*redis.Client, string) {
	tb.Helper()
	opt := testRedisOptions(tb)
	addr := opt.Addr
	client := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		if os.Getenv("CI") == "true" {
			tb.Fatalf("redis at %s unreachable: %v", addr, err)
		}
		tb.Skipf("redis at %s unreachable (set ILLUWA_TEST_REDIS_URL; CI=true makes this fail): %v", addr, err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "test:geo:" + hex.EncodeToString(b) + ":"
	tb.Cleanup(func() {
		deleteKeys(tb, client, prefix)
		_ = client.Close()
	})
	return client, prefix
}

// deleteKeys removes every key under prefix (on every master of a cluster).
func deleteKeys(tb testing.TB, client redis.UniversalClient, prefix string) {
	ctx := context.Background()
	keys, err := scanKeys(ctx, client, prefix+"*")
	if err != nil {
		tb.Errorf("cleanup of %s: %v", prefix, err)
	}
	for start := 0; start < len(keys); start += 1000 {
		pipe := client.Pipeline()
		for _, k := range keys[start:min(start+1000, len(keys))] {
			pipe.Unlink(ctx, k) // one key a command: a cluster refuses keys of several slots
		}
		if _, err := pipe.Exec(ctx); err != nil {
			tb.Errorf("cleanup of %s: %v", prefix, err)
		}
	}
}

// scanKeys returns every key matching pattern, from every master when
// client is a cluster client.
func scanKeys(ctx context.Context, client redis.UniversalClient, pattern string) ([]string, error) {
	scan := func(ctx context.Context, c redis.Cmdable) ([]string, error) {
		var out []string
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			out = append(out, iter.Val())
		}
		return out, iter.Err()
	}
	cc, ok := client.(*redis.ClusterClient)
	if !ok {
		return scan(ctx, client)
	}
	var mu sync.Mutex
	var all []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		keys, err := scan(ctx, c)
		mu.Lock()
		all = append(all, keys...)
		mu.Unlock()
		return err
	})
	return all, err
}

// inspectedRedis lets the contract suite look inside the cell sets.
type inspectedRedis struct {
	*RedisIndex
	client redis.UniversalClient
	prefix string
}

func (r inspectedRedis) cellsHolding(t *testing.T, id uint64) int {
	ctx := context.Background()
	keys, err := scanKeys(ctx, r.client, r.prefix+"*cell:*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range keys {
		ok, err := r.client.SIsMember(ctx, k, id).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			n++
		}
	}
	return n
}

// redisTarget is a Redis the index tests run on, with the index layout.
type redisTarget struct {
	name string
	// open returns a client and a fresh key prefix, cleaned up when tb ends.
	open func(tb testing.TB) (redis.UniversalClient, string)
	// another returns a second client of the same Redis, closed when tb ends.
	another func(tb testing.TB, c redis.UniversalClient) redis.UniversalClient
	index   func(c redis.UniversalClient, prefix string) *RedisIndex
}

var redisTargets = []redisTarget{
	{"single", openSingle, anotherSingle, NewRedisIndex},
	{"sharded", openSingle, anotherSingle, NewRedisClusterIndex}, // the cluster layout on one Redis
	{"cluster", openCluster, anotherCluster, NewRedisClusterIndex},
}

func openSingle(tb testing.TB) (redis.UniversalClient, string) { return mustOpenRedis(tb) }

func anotherSingle(tb testing.TB, c redis.UniversalClient) redis.UniversalClient {
	other := redis.NewClient(&redis.Options{Addr: c.(*redis.Client).Options().Addr})
	tb.Cleanup(func() { _ = other.Close() })
	return other
}

// openCluster returns a client of the package's Redis Cluster (3 masters,
// 3 replicas, started once) and a fresh key prefix.
func openCluster(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	client := redistest.Shared(tb).Client()
	prefix := randomPrefix()
	tb.Cleanup(func() {
		deleteKeys(tb, client, prefix)
		_ = client.Close()
	})
	return client, prefix
}

func anotherCluster(tb testing.TB, _ redis.UniversalClient) redis.UniversalClient {
	other := redistest.Shared(tb).Client()
	tb.Cleanup(func() { _ = other.Close() })
	return other
}

func randomPrefix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "test:geo:" + hex.EncodeToString(b) + ":"
}

func TestRedisIndex(t *testing.T) {
	for _, tg := range redisTargets {
		t.Run(tg.name, func(t *testing.T) {
			testIndex(t, func(t *testing.T) Index {
				client, prefix := tg.open(t)
				idx := tg.index(client, prefix)
				t.Cleanup(func() { _ = idx.Close() })
				return inspectedRedis{RedisIndex: idx, client: client, prefix: prefix}
			})
		})
	}
}

func TestRedisIndexKeysAndEmptyCells(t *testing.T) {
	for _, tg := range redisTargets {
		t.Run(tg.name, func(t *testing.T) {
			client, prefix := tg.open(t)
			idx := tg.index(client, prefix)
			ctx := context.Background()
			p := Position{ID: 5, Lat: 37.5665, Lng: 126.978, Seen: t0}
			mustUpsert(t, idx, p)
			keys, err := scanKeys(ctx, client, prefix+"*")
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 3 {
				t.Errorf("keys after one upsert = %v, want pos, seen and one cell", keys)
			}
			// One stall's keys share a hash slot, so its scripts run on a cluster.
			for _, k := range keys {
				if tg.name != "single" && keyslot.Of(k) != keyslot.Of(keys[0]) {
					t.Errorf("keys %q and %q are in different hash slots", k, keys[0])
				}
			}
			p.Lat += 0.05
			mustUpsert(t, idx, p)
			if _, _, err := idx.Remove(ctx, 5); err != nil {
				t.Fatal(err)
			}
			// Empty sets, hashes and sorted sets vanish in Redis: nothing is left.
			if keys, _ := scanKeys(ctx, client, prefix+"*"); len(keys) != 0 {
				t.Errorf("keys left after remove: %v", keys)
			}
		})
	}
}

// TestRedisClusterIndexSpreadsOverMasters: stalls with consecutive ids
// land on every master, in nearly equal numbers.
func TestRedisClusterIndexSpreadsOverMasters(t *testing.T) {
	client, prefix := openCluster(t)
	idx := NewRedisClusterIndex(client, prefix)
	ctx := context.Background()
	const n = 600
	for i := range n {
		mustUpsert(t, idx, Position{ID: uint64(1000 + i), Lat: 37.5, Lng: 127 + float64(i)*1e-4, Seen: t0})
	}
	cc := client.(*redis.ClusterClient)
	var mu sync.Mutex
	perMaster := map[string]int64{}
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		var total int64
		for _, sh := range idx.shards {
			if n, err := c.HLen(ctx, sh.posKey).Result(); err == nil {
				total += n
			} else if !strings.HasPrefix(err.Error(), "MOVED") {
				return err
			}
		}
		mu.Lock()
		perMaster[c.Options().Addr] = total
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(perMaster) != 3 {
		t.Fatalf("stalls per master %v, want 3 masters", perMaster)
	}
	for addr, got := range perMaster {
		if got < n/6 || got > n/2 {
			t.Errorf("master %s holds %d of %d stalls; want about a third (%v)", addr, got, n, perMaster)
		}
	}
}

func TestRedisIndexConcurrentExpireAcrossClients(t *testing.T) {
	for _, tg := range redisTargets {
		t.Run(tg.name, func(t *testing.T) { testConcurrentExpireAcrossClients(t, tg) })
	}
}

func testConcurrentExpireAcrossClients(t *testing.T, tg redisTarget) {
	client, prefix := tg.open(t)
	a, b := tg.index(client, prefix), tg.index(tg.another(t, client), prefix)
	ctx := context.Background()
	const n = 2000
	for i := range n {
		mustUpsert(t, a, Position{ID: uint64(i), Lat: 37.5, Lng: 127 + float64(i)*1e-5, Seen: t0})
	}
	type result struct {
		got []Position
		err error
	}
	ch := make(chan result, 2)
	for _, idx := range []Index{a, b} {
		go func() {
			got, err := idx.Expire(ctx, t0.Add(time.Second))
			ch <- result{got, err}
		}()
	}
	count := map[uint64]int{}
	for range 2 {
		r := <-ch
		if r.err != nil {
			t.Fatal(r.err)
		}
		for _, p := range r.got {
			count[p.ID]++
		}
	}
	if len(count) != n {
		t.Errorf("expired %d distinct stalls, want %d", len(count), n)
	}
	for id, c := range count {
		if c != 1 {
			t.Errorf("stall %d returned %d times", id, c)
		}
	}
}

// testRedisOptions reads ILLUWA_TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
func testRedisOptions(tb testing.TB) *redis.Options {
	tb.Helper()
	u := os.Getenv("ILLUWA_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		tb.Fatalf("ILLUWA_TEST_REDIS_URL: %v", err)
	}
	return opt
}
