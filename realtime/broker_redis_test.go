package realtime

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// mustRedis returns a client named name for the test Redis
// (ILLUWA_TEST_REDIS_URL, default redis://127.0.0.1:6379/0). Unreachable Redis fails the test when CI=true
// and skips it otherwise.
func mustRedis(t *testing.T, name string) *redis.Client {
	t.Helper()
	opt := testRedisOptions(t)
	addr := opt.Addr
	opt.ClientName = name
	c := redis.NewClient(opt)
	if err := c.Ping(context.Background()).Err(); err != nil {
		_ = c.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at %s unreachable: %v", addr, err)
		}
		t.Skipf("redis at %s unreachable (set CI=true to fail instead): %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// randomName returns prefix followed by random hex.
func randomName(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// mustRedisBroker returns a broker under a random channel prefix, its
// client's connection name and the client.
func mustRedisBroker(t *testing.T, recv Receiver) (*RedisBroker, string) {
	t.Helper()
	name := randomName("illuwa-test-")
	client := mustRedis(t, name)
	b, err := NewRedisBroker(client, name+":", recv)
	if err != nil {
		t.Fatalf("NewRedisBroker: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, name
}

func TestRedisBroker(t *testing.T) {
	testBroker(t, func(t *testing.T, recv Receiver) Broker {
		b, _ := mustRedisBroker(t, recv)
		return b
	})
}

// killPubSubConn kills the pub/sub connection of the client named name,
// using a second client, and reports how many it killed.
func killPubSubConn(t *testing.T, name string) int {
	t.Helper()
	admin := mustRedis(t, randomName("illuwa-admin-"))
	ctx := context.Background()
	list, err := admin.ClientList(ctx).Result()
	if err != nil {
		t.Fatalf("CLIENT LIST: %v", err)
	}
	killed := 0
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		fields := map[string]string{}
		for _, f := range strings.Fields(sc.Text()) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		// A pub/sub connection in RESP2 has sub>0; in RESP3 it is flagged P.
		if fields["name"] != name || (fields["sub"] == "0" && !strings.Contains(fields["flags"], "P")) {
			continue
		}
		if err := admin.Do(ctx, "CLIENT", "KILL", "ID", fields["id"]).Err(); err != nil {
			t.Fatalf("CLIENT KILL ID %s: %v", fields["id"], err)
		}
		killed++
	}
	return killed
}

func TestRedisBrokerResyncAfterConnectionKilled(t *testing.T) {
	r := newRecorder()
	b, name := mustRedisBroker(t, r)
	ctx := context.Background()
	if err := b.Subscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "a", []byte("before")); err != nil {
		t.Fatal(err)
	}
	if got := r.next(t); got.payload != "before" {
		t.Fatalf("got %+v", got)
	}
	if n := killPubSubConn(t, name); n != 1 {
		t.Fatalf("killed %d pub/sub connections, want 1", n)
	}
	select {
	case <-r.resyncs:
	case m := <-r.msgs:
		t.Fatalf("message %+v before Resync", m)
	case <-waitLong():
		t.Fatal("Resync not called after the connection was killed")
	}
	if err := b.Publish(ctx, "a", []byte("after")); err != nil {
		t.Fatal(err)
	}
	if got := r.next(t); got.payload != "after" {
		t.Fatalf("got %+v, want delivery to resume", got)
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

// dropRecorder is a recorder that also records the drops its broker reports.
type dropRecorder struct {
	*recorder
	drops chan string
}

func (r *dropRecorder) BrokerDropped(reason string) { r.drops <- reason }

func TestRedisBrokerCountsForeignChannel(t *testing.T) {
	r := &dropRecorder{recorder: newRecorder(), drops: make(chan string, 10)}
	b, name := mustRedisBroker(t, r)
	ctx := context.Background()
	if err := b.Subscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	// A channel outside the broker's prefix, subscribed behind its back.
	foreign := randomName("illuwa-test-foreign-")
	if err := b.conns[0].pubsub().Subscribe(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	if err := b.conns[0].barrier(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.client.Publish(ctx, foreign, "x").Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "a", []byte("marker")); err != nil { // read after the foreign message
		t.Fatal(err)
	}
	if got := r.next(t); got != (recorded{"a", "marker"}) {
		t.Fatalf("got %+v, want only the marker", got)
	}
	select {
	case reason := <-r.drops:
		if reason != DropUnknownChannel {
			t.Fatalf("drop reason %q, want %q", reason, DropUnknownChannel)
		}
	default:
		t.Fatalf("the message on %s was dropped uncounted (broker %s)", foreign, name)
	}
}
