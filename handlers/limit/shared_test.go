package limit_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/redistest"
	"github.com/illuwa/illuwa/handlers/limit"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(redistest.Main(m)) }

// mustRedis is a client of the test Redis; the keys under the returned
// prefix are deleted when the test ends.
func mustRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	u := os.Getenv("ILLUWA_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		storetest.Unavailable(t, "Redis", err)
	}
	prefix := "illuwa-test-limit-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	t.Cleanup(func() {
		if keys, _ := rdb.Keys(ctx, prefix+"*").Result(); len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return rdb, prefix
}

// TestSharedBudget: two instances' limiters on one Redis spend one budget
// (the 6th attempt over both is refused, with a wait), a refund gives a
// token back to both, and another key has its own budget.
func TestSharedBudget(t *testing.T) {
	rdb, prefix := mustRedis(t)
	a := limit.New(5, time.Minute).Share(limit.NewShared(rdb, limit.SharedOptions{Prefix: prefix}), "logins")
	b := limit.New(5, time.Minute).Share(limit.NewShared(rdb, limit.SharedOptions{Prefix: prefix}), "logins")
	now := time.Now()
	var last *limit.Attempt
	for i := range 5 {
		l := a
		if i%2 == 1 {
			l = b
		}
		try, ok, _ := l.Take(now, "ip:192.0.2.1")
		if !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
		last = try
	}
	for _, l := range []*limit.Attempts{a, b} {
		if _, ok, wait := l.Take(now, "ip:192.0.2.1"); ok || wait < 30*time.Second || wait > time.Minute {
			t.Fatalf("6th attempt: ok %v, wait %v (want refused, about a minute)", ok, wait)
		}
	}
	last.Refund(now)
	if _, ok, _ := b.Take(now, "ip:192.0.2.1"); !ok {
		t.Fatal("refunded token not given back")
	}
	if _, ok, _ := a.Take(now, "ip:192.0.2.1"); ok {
		t.Fatal("more than the budget after the refund")
	}
	// Another key, and the same key under another limiter's name, are apart.
	if _, ok, _ := a.Take(now, "ip:192.0.2.2"); !ok {
		t.Fatal("another address refused")
	}
	c := limit.New(5, time.Minute).Share(limit.NewShared(rdb, limit.SharedOptions{Prefix: prefix}), "signups")
	if _, ok, _ := c.Take(now, "ip:192.0.2.1"); !ok {
		t.Fatal("another limiter's bucket refused")
	}
	// Several keys: a refusal by one takes nothing from the others.
	for range 4 {
		if _, ok, _ := a.Take(now, "ip:192.0.2.3"); !ok {
			t.Fatal("refused")
		}
	}
	if _, ok, _ := a.Take(now, "ip:192.0.2.3", "ip:192.0.2.1"); ok {
		t.Fatal("taken although one bucket is empty")
	}
	if _, ok, _ := a.Take(now, "ip:192.0.2.3"); !ok {
		t.Fatal("the refused multi-key attempt spent a token")
	}
	keys, err := rdb.Keys(context.Background(), prefix+"*").Result()
	if err != nil || len(keys) != 4 {
		t.Fatalf("keys %v %v, want one per bucket (4)", keys, err)
	}
	if ttl := rdb.PTTL(context.Background(), prefix+"logins:ip:192.0.2.1").Val(); ttl <= 0 || ttl > 5*time.Minute {
		t.Fatalf("bucket ttl %v, want until full again (5 min at most)", ttl)
	}
}

// TestSharedRefills: tokens come back at the rate, by the Redis clock.
func TestSharedRefills(t *testing.T) {
	rdb, prefix := mustRedis(t)
	l := limit.New(2, 300*time.Millisecond).Share(limit.NewShared(rdb, limit.SharedOptions{Prefix: prefix}), "w")
	for range 2 {
		if _, ok, _ := l.Take(time.Now(), "k"); !ok {
			t.Fatal("refused within the burst")
		}
	}
	if _, ok, _ := l.Take(time.Now(), "k"); ok {
		t.Fatal("past the burst")
	}
	time.Sleep(700 * time.Millisecond)
	if _, ok, _ := l.Take(time.Now(), "k"); !ok {
		t.Fatal("no token came back")
	}
}

// TestSharedCluster: on a Redis Cluster every bucket is one key, and an
// attempt over keys of different slots works.
func TestSharedCluster(t *testing.T) {
	c := redistest.Shared(t)
	cc := c.Client()
	t.Cleanup(func() { _ = cc.Close() })
	prefix := "illuwa-test-limit-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	sh := limit.NewShared(cc, limit.SharedOptions{Prefix: prefix})
	mk := func() *limit.Attempts { return limit.New(3, time.Minute).Share(sh, "resets") }
	a, b := mk(), mk()
	now := time.Now()
	for i := range 3 {
		l := a
		if i == 1 {
			l = b
		}
		if _, ok, _ := l.Take(now, "ip:198.51.100.7", fmt.Sprintf("email:user%d@example.com", i)); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if _, ok, _ := b.Take(now, "ip:198.51.100.7", "email:other@example.com"); ok {
		t.Fatal("4th attempt from one address over two instances taken")
	}
	if n := counted(sh.Fallbacks("resets")); n != 0 {
		t.Fatalf("fallbacks %v", n)
	}
}

// TestSharedRedisDown: with its Redis killed the limiter neither refuses
// everybody nor lets everybody in: it counts in its own buckets (the
// per-instance budget), counted as fallbacks; once Redis is back (empty,
// as a Redis without persistence comes back), it shares again.
func TestSharedRedisDown(t *testing.T) {
	r := redistest.StartServer(t)
	rdb := r.Client()
	t.Cleanup(func() { _ = rdb.Close() })
	sh := limit.NewShared(rdb, limit.SharedOptions{Prefix: "t:", FallbackFor: 500 * time.Millisecond})
	l := limit.New(3, time.Minute).Share(sh, "logins")
	now := time.Now()
	for range 2 {
		if _, ok, _ := l.Take(now, "ip:a"); !ok {
			t.Fatal("refused within the budget")
		}
	}
	r.Kill()
	start := time.Now()
	for i := range 3 {
		if _, ok, _ := l.Take(now, "ip:a"); !ok {
			t.Fatalf("attempt %d with Redis down refused: the local budget is 3", i+1)
		}
	}
	if _, ok, _ := l.Take(now, "ip:a"); ok {
		t.Fatal("unlimited with Redis down")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("four attempts with Redis down took %v", d)
	}
	if n := counted(sh.Fallbacks("logins")); n != 4 {
		t.Fatalf("fallbacks %v, want 4", n)
	}
	r.Start()
	time.Sleep(600 * time.Millisecond) // past FallbackFor
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, ok, _ := l.Take(now, "ip:b")
		if ok && counted(sh.Fallbacks("logins")) == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not shared again after Redis came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if keys := rdb.Keys(context.Background(), "t:*").Val(); len(keys) != 1 {
		t.Fatalf("keys after recovery %v", keys)
	}
}

func counted(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
