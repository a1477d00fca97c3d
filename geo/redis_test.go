package geo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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

// deleteKeys removes every key under prefix.
func deleteKeys(tb testing.TB, client *redis.Client, prefix string) {
	ctx := context.Background()
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			client.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		client.Unlink(ctx, batch...)
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("cleanup of %s: %v", prefix, err)
	}
}

// inspectedRedis lets the contract suite look inside the cell sets.
type inspectedRedis struct {
	*RedisIndex
	client *redis.Client
	prefix string
}

func (r inspectedRedis) cellsHolding(t *testing.T, id uint64) int {
	ctx := context.Background()
	n := 0
	iter := r.client.Scan(ctx, 0, r.prefix+"cell:*", 1000).Iterator()
	for iter.Next(ctx) {
		ok, err := r.client.SIsMember(ctx, iter.Val(), id).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			n++
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRedisIndex(t *testing.T) {
	testIndex(t, func(t *testing.T) Index {
		client, prefix := mustOpenRedis(t)
		idx := NewRedisIndex(client, prefix)
		t.Cleanup(func() { _ = idx.Close() })
		return inspectedRedis{RedisIndex: idx, client: client, prefix: prefix}
	})
}

func TestRedisIndexKeysAndEmptyCells(t *testing.T) {
	client, prefix := mustOpenRedis(t)
	idx := NewRedisIndex(client, prefix)
	ctx := context.Background()
	p := Position{ID: 5, Lat: 37.5665, Lng: 126.978, Seen: t0}
	mustUpsert(t, idx, p)
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Errorf("keys after one upsert = %v, want pos, seen and one cell", keys)
	}
	p.Lat += 0.05
	mustUpsert(t, idx, p)
	if _, _, err := idx.Remove(ctx, 5); err != nil {
		t.Fatal(err)
	}
	// Empty sets, hashes and sorted sets vanish in Redis: nothing is left.
	if keys, _ := client.Keys(ctx, prefix+"*").Result(); len(keys) != 0 {
		t.Errorf("keys left after remove: %v", keys)
	}
}

func TestRedisIndexConcurrentExpireAcrossClients(t *testing.T) {
	client, prefix := mustOpenRedis(t)
	other := redis.NewClient(&redis.Options{Addr: client.Options().Addr})
	t.Cleanup(func() { _ = other.Close() })
	a, b := NewRedisIndex(client, prefix), NewRedisIndex(other, prefix)
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
