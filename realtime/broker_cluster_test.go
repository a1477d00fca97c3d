package realtime

import (
	"bufio"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/keyslot"
	"github.com/illuwa/illuwa/geo/redistest"
)

// clusterClient returns a client of cluster c whose connections are named
// name, closed when t ends.
func clusterClient(t testing.TB, c *redistest.Cluster, name string) *redis.ClusterClient {
	t.Helper()
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), ClientName: name, ClusterStateReloadInterval: time.Second})
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

// clusterBrokerMaker returns a newEnv broker maker on the package's shared
// Redis Cluster with the channel prefix, and the name of its connections.
func clusterBrokerMaker(t *testing.T, prefix string) (brokerMaker, string) {
	t.Helper()
	name := randomName("illuwa-test-")
	client := clusterClient(t, redistest.Shared(t), name)
	return func(recv Receiver) Broker {
		b, err := NewRedisClusterBroker(client, prefix, clusterTags, recv)
		if err != nil {
			t.Fatalf("NewRedisClusterBroker: %v", err)
		}
		t.Cleanup(func() { _ = b.Close() })
		return b
	}, name
}

func TestRedisClusterBroker(t *testing.T) {
	// One client for every subtest: its own goroutines are not the broker's.
	client := clusterClient(t, redistest.Shared(t), randomName("illuwa-test-"))
	if err := client.ForEachShard(context.Background(), func(ctx context.Context, c *redis.Client) error {
		return c.Ping(ctx).Err()
	}); err != nil {
		t.Fatal(err)
	}
	testBroker(t, func(t *testing.T, recv Receiver) Broker {
		b, err := NewRedisClusterBroker(client, randomName("illuwa-test-")+":", clusterTags, recv)
		if err != nil {
			t.Fatalf("NewRedisClusterBroker: %v", err)
		}
		t.Cleanup(func() { _ = b.Close() })
		return b
	})
}

// redisChannels returns the channels Redis reports under b's prefix: PUBSUB
// CHANNELS, or on a cluster PUBSUB SHARDCHANNELS of every master.
func redisChannels(t *testing.T, b *RedisBroker) []string {
	t.Helper()
	ctx := context.Background()
	if b.cluster == nil {
		chans, err := b.client.PubSubChannels(ctx, b.prefix+"*").Result()
		if err != nil {
			t.Fatalf("PUBSUB CHANNELS: %v", err)
		}
		return chans
	}
	var mu sync.Mutex
	var all []string
	err := b.cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		chans, err := c.PubSubShardChannels(ctx, b.prefix+"*").Result()
		mu.Lock()
		all = append(all, chans...)
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatalf("PUBSUB SHARDCHANNELS: %v", err)
	}
	return all
}

// TestRedisClusterBrokerSubscribesWhereNeeded: each topic's channel is
// subscribed on the master that owns its slot, one connection per group,
// and nothing is left once the topics are dropped.
func TestRedisClusterBrokerSubscribesWhereNeeded(t *testing.T) {
	mk, _ := clusterBrokerMaker(t, randomName("illuwa-test-")+":")
	r := newRecorder()
	b := mk(r).(*RedisBroker)
	ctx := context.Background()
	topics := []string{"cell:8830e1d8c1fffff", "cell:8830e1d8c3fffff", "user:9"}
	if err := b.Subscribe(ctx, topics...); err != nil {
		t.Fatal(err)
	}
	if got := brokerTopics(t, b); strings.Join(got, ",") != "cell:8830e1d8c1fffff,cell:8830e1d8c3fffff,user:9" {
		t.Fatalf("subscribed topics %v", got)
	}
	groups := map[int]bool{}
	for _, tp := range topics {
		groups[groupOf(tp)] = true
	}
	open := 0
	for _, c := range b.conns {
		if c != nil {
			open++
		}
	}
	if open != len(groups) {
		t.Errorf("%d subscription connections for %d groups", open, len(groups))
	}
	if err := b.Unsubscribe(ctx, topics...); err != nil {
		t.Fatal(err)
	}
	if got := brokerTopics(t, b); len(got) != 0 {
		t.Fatalf("topics left after unsubscribing: %v", got)
	}
}

// allGroupTopics returns one topic of each of the ClusterGroups groups.
func allGroupTopics() []string {
	topics := make([]string, ClusterGroups)
	for i, found := 0, 0; found < ClusterGroups; i++ {
		tp := "cell:" + strconv.Itoa(i)
		if g := groupOf(tp); topics[g] == "" {
			topics[g] = tp
			found++
		}
	}
	return topics
}

// expectAll publishes payload on every topic until each has been received
// once, failing after a generous wait. Publishes may fail while the
// cluster heals.
func expectAll(t *testing.T, b Broker, r *recorder, topics []string, payload string) {
	t.Helper()
	ctx := context.Background()
	want := map[string]bool{}
	for _, tp := range topics {
		want[tp] = true
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(want) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no %q delivered on %v", payload, want)
		}
		for tp := range want {
			_ = b.Publish(ctx, tp, []byte(payload))
		}
		for drained := false; !drained; {
			select {
			case m := <-r.msgs:
				if m.payload == payload {
					delete(want, m.topic)
				}
			case <-time.After(200 * time.Millisecond):
				drained = true
			}
		}
	}
}

// waitResync waits for a Resync call.
func waitResync(t *testing.T, r *recorder, why string) {
	t.Helper()
	select {
	case <-r.resyncs:
	case <-time.After(30 * time.Second):
		t.Fatalf("no Resync after %s", why)
	}
}

// TestRedisClusterBrokerFailoverAndSlotMove runs on a cluster of its own:
// a killed master's groups resubscribe on its promoted replica, and a
// group whose slot is handed to another master follows it; each time the
// receiver gets Resync, and every topic is delivered again afterwards.
func TestRedisClusterBrokerFailoverAndSlotMove(t *testing.T) {
	c, err := redistest.StartCluster(3, 1)
	if err != nil {
		redistest.Unavailable(t, err)
	}
	t.Cleanup(c.Stop)
	client := clusterClient(t, c, randomName("illuwa-test-"))
	r := newRecorder()
	b, err := NewRedisClusterBroker(client, "failover:", clusterTags, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	topics := allGroupTopics()
	if err := b.Subscribe(context.Background(), topics...); err != nil {
		t.Fatal(err)
	}
	expectAll(t, b, r, topics, "before")

	t.Run("failover", func(t *testing.T) {
		victim, err := c.Master(b.channel(topics[0]))
		if err != nil {
			t.Fatal(err)
		}
		if err := victim.Kill(); err != nil {
			t.Fatal(err)
		}
		waitResync(t, r, "the master was killed")
		if err := c.WaitHealthy(30 * time.Second); err != nil {
			t.Fatal(err)
		}
		expectAll(t, b, r, topics, "after failover")
	})

	t.Run("slot_moved", func(t *testing.T) {
		for len(r.resyncs) > 0 {
			<-r.resyncs
		}
		ch := b.channel(topics[1])
		from, err := c.Master(ch)
		if err != nil {
			t.Fatal(err)
		}
		var to *redistest.Node
		for _, m := range c.Masters() {
			if m != from {
				to = m
				break
			}
		}
		if to == nil {
			t.Fatal("no other master")
		}
		if err := c.MoveSlot(keyslot.Of(ch), to); err != nil {
			t.Fatal(err)
		}
		waitResync(t, r, "the slot moved")
		expectAll(t, b, r, topics, "after the move")
	})
}

// killClusterPubSubConns kills, on every node of cluster c, the pub/sub
// connections of the clients named name, and reports how many it killed.
func killClusterPubSubConns(t *testing.T, c *redistest.Cluster, name string) int {
	t.Helper()
	ctx := context.Background()
	killed := 0
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		admin := redis.NewClient(&redis.Options{Addr: n.Addr})
		list, err := admin.ClientList(ctx).Result()
		if err != nil {
			_ = admin.Close()
			t.Fatalf("CLIENT LIST on %s: %v", n.Addr, err)
		}
		sc := bufio.NewScanner(strings.NewReader(list))
		for sc.Scan() {
			f := map[string]string{}
			for _, kv := range strings.Fields(sc.Text()) {
				k, v, _ := strings.Cut(kv, "=")
				f[k] = v
			}
			if f["name"] != name || (f["ssub"] == "0" && !strings.Contains(f["flags"], "P")) {
				continue
			}
			if admin.Do(ctx, "CLIENT", "KILL", "ID", f["id"]).Err() == nil {
				killed++
			}
		}
		_ = admin.Close()
	}
	return killed
}

// clusterTags are the channel groups' hash tags, spread as the program spreads them.
var clusterTags = keyslot.SpreadTags("p", ClusterGroups)
