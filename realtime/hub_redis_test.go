package realtime

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo/redistest"
)

// redisBrokerMaker returns a newEnv broker maker on Redis with the shared
// channel prefix, and the name of its client connection.
func redisBrokerMaker(t *testing.T, prefix string) (brokerMaker, string) {
	t.Helper()
	name := randomName("illuwa-test-")
	client := mustRedis(t, name)
	return func(recv Receiver) Broker {
		b, err := NewRedisBroker(client, prefix, recv)
		if err != nil {
			t.Fatalf("NewRedisBroker: %v", err)
		}
		t.Cleanup(func() { _ = b.Close() })
		return b
	}, name
}

func TestHubOverRedis(t *testing.T) {
	prefix := randomName("illuwa-test-") + ":"
	makeA, _ := redisBrokerMaker(t, prefix)
	makeB, nameB := redisBrokerMaker(t, prefix)
	testHubAcrossInstances(t, makeA, makeB, func(t *testing.T) int { return killPubSubConn(t, nameB) })
}

func TestHubOverRedisCluster(t *testing.T) {
	prefix := randomName("illuwa-test-") + ":"
	makeA, _ := clusterBrokerMaker(t, prefix)
	makeB, nameB := clusterBrokerMaker(t, prefix)
	testHubAcrossInstances(t, makeA, makeB, func(t *testing.T) int {
		return killClusterPubSubConns(t, redistest.Shared(t), nameB)
	})
}

// testHubAcrossInstances runs two hubs on one broker backend: what happens
// on A reaches B's watcher, and killing B's subscription connections
// (killB, which reports how many it killed) re-sends B's watchers a fresh
// snapshot.
func testHubAcrossInstances(t *testing.T, makeA, makeB brokerMaker, killB func(t *testing.T) int) {
	m := newFakeMap() // both instances read the same index, as with geo on Redis
	a := newEnv(t, Options{}, m, makeA)
	b := newEnv(t, Options{}, m, makeB)

	watcher := b.dial(t, "user=9&role=customer")
	watcher.watch(centerLat, centerLng, 1000, "w")
	device := b.dial(t, "user=8&role=owner&device=3") // a POS box of owner 8's stall
	stream, err := b.hub.OpenStream(context.Background(), Identity{UserID: 9, Role: "customer"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stream.Close)

	t.Run("publish_on_A_reaches_watcher_on_B", func(t *testing.T) {
		a.move(t, TypePochaOpened, 1, pt(100, 0), pt(100, 0))
		watcher.expectPocha(TypePochaOpened, 1)
		a.move(t, TypePochaMoved, 1, pt(100, 0), pt(2000, 0))
		watcher.expectPocha(TypePochaLeft, 1)
		a.move(t, TypePochaMoved, 2, pt(3000, 0), pt(3000, 10)) // outside: nothing
		a.move(t, TypePochaMoved, markerID, pt(0, 0), pt(0, 0))
		watcher.expectMarker()
	})
	t.Run("user_push_across_instances", func(t *testing.T) {
		if err := a.hub.PublishUser(context.Background(), 9, TypeOrderUpdated, map[string]any{"id": 5}); err != nil {
			t.Fatal(err)
		}
		watcher.expect(TypeOrderUpdated)
	})
	t.Run("killed_connection_resyncs_watchers", func(t *testing.T) {
		m.set(StallView{ID: 7, Name: "stall 7", Lat: pt(50, 0)[0], Lng: pt(50, 0)[1], At: tick()})
		if n := killB(t); n < 1 {
			t.Fatalf("killed %d connections, want at least 1", n)
		}
		snap := watcher.expect(TypeSnapshot)
		if _, hasRef := snap["ref"]; hasRef {
			t.Fatalf("resync snapshot carries a ref: %v", snap)
		}
		found := false
		for _, p := range snap["pochas"].([]any) {
			found = found || p.(map[string]any)["id"] == float64(7)
		}
		if !found {
			t.Fatalf("fresh snapshot lacks the stall added during the outage: %v", snap)
		}
		watcher.expect(TypeOrdersResync) // a signed-in connection re-reads its orders
		device.expect(TypeOrdersResync)  // so does a POS device
		for got := false; !got; {        // and an in-process stream (GraphQL)
			select {
			case raw := <-stream.Messages():
				got = strings.Contains(string(raw), `"type":"`+TypeOrdersResync+`"`)
			case <-time.After(10 * time.Second):
				t.Fatal("no orders.resync on the stream")
			}
		}
		a.move(t, TypePochaMoved, 7, pt(50, 0), pt(60, 0))
		// On a cluster, connections to several masters may come back at
		// different moments, each followed by a snapshot.
		msg := watcher.read()
		for msg["type"] == TypeSnapshot {
			msg = watcher.read()
		}
		if msg["type"] != TypePochaMoved || msg["id"] != float64(7) {
			t.Fatalf("got %v, want pocha.moved of 7", msg)
		}
	})
}
