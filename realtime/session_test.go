package realtime

import (
	"context"
	"sync/atomic"
	"testing"
)

func TestEndSession(t *testing.T) { forEachBroker(t, testEndSession) }

// testEndSession: ending one login closes that login's connections with
// 1008, on any instance, and leaves the user's other logins open.
func testEndSession(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	revoked := e.dial(t, "user=7&role=owner&session=aaa")
	other := e.dial(t, "user=7&role=owner&session=bbb")
	stranger := e.dial(t, "user=8&role=owner&session=aaa")
	if err := e.hub.EndSession(context.Background(), 7, "aaa"); err != nil {
		t.Fatal(err)
	}
	revoked.expectClose(ClosePolicyViolation)
	// The others still get their pushes.
	if err := e.hub.PublishUser(context.Background(), 7, TypeNotification, map[string]any{"id": 1}); err != nil {
		t.Fatal(err)
	}
	other.expect(TypeNotification)
	if err := e.hub.PublishUser(context.Background(), 8, TypeNotification, map[string]any{"id": 2}); err != nil {
		t.Fatal(err)
	}
	stranger.expect(TypeNotification)
}

// welcomeInbound is a fakeInbound that greets signed-in users.
type welcomeInbound struct {
	fakeInbound
	calls atomic.Int64
}

func (w *welcomeInbound) Welcome(ctx context.Context, who Identity) ([]any, error) {
	w.calls.Add(1)
	return []any{OrderMessage{Type: TypeOrderCreated, Order: []byte(`{"id":41}`), ServerTime: now()}}, nil
}

func TestWelcomeMessages(t *testing.T) {
	in := &welcomeInbound{}
	hub, err := NewHub(Options{}, newFakeMap())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWithHub(t, hub, in)
	owner := e.dial(t, "user=7&role=owner")
	if m := owner.expect(TypeOrderCreated); m["order"].(map[string]any)["id"] != float64(41) {
		t.Fatalf("welcome: %v", m)
	}
	anon := e.dial(t, "")
	anon.send(WatchMessage{Type: TypeWatch, Lat: centerLat, Lng: centerLng, RadiusM: 100})
	anon.expect(TypeSnapshot) // nothing before it: anonymous connections get no welcome
	if in.calls.Load() != 1 {
		t.Fatalf("Welcome called %d times, want 1", in.calls.Load())
	}
}
