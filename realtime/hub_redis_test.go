package realtime

import (
	"context"
	"testing"
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
	m := newFakeMap() // both instances read the same index, as with geo on Redis
	a := newEnv(t, Options{}, m, makeA)
	b := newEnv(t, Options{}, m, makeB)

	watcher := b.dial(t, "user=9&role=customer")
	watcher.watch(centerLat, centerLng, 1000, "w")

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
		if n := killPubSubConn(t, nameB); n != 1 {
			t.Fatalf("killed %d connections, want 1", n)
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
		a.move(t, TypePochaMoved, 7, pt(50, 0), pt(60, 0))
		watcher.expectPocha(TypePochaMoved, 7)
	})
}
