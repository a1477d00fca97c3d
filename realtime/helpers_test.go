package realtime

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Test geometry: topics are 0.01° × 0.01° grid cells ("cell:<i>:<j>").
const cellDeg = 0.01

func testTopic(lat, lng float64) string {
	return fmt.Sprintf("cell:%d:%d", int(math.Floor(lat/cellDeg)), int(math.Floor(lng/cellDeg)))
}

// fakeMap is an in-memory Map over the test grid.
type fakeMap struct {
	mu     sync.Mutex
	stalls map[uint64]StallView
	// block, when set, is waited on by the next Snapshot (then cleared).
	block chan struct{}
	// override, when set, replaces the next Snapshot's result.
	override []StallView
	calls    atomic.Int32
}

func newFakeMap() *fakeMap { return &fakeMap{stalls: map[uint64]StallView{}} }

func (m *fakeMap) set(v StallView) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stalls[v.ID] = v
}

func (m *fakeMap) remove(id uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.stalls, id)
}

func (m *fakeMap) Snapshot(ctx context.Context, lat, lng, radiusM float64) ([]StallView, error) {
	m.calls.Add(1)
	m.mu.Lock()
	block, override := m.block, m.override
	m.block, m.override = nil, nil
	var out []StallView
	for _, v := range m.stalls {
		if d := distanceM(lat, lng, v.Lat, v.Lng); d <= radiusM {
			v.DistanceM = math.Round(d*10) / 10
			out = append(out, v)
		}
	}
	m.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if override != nil {
		out = override
	}
	slices.SortFunc(out, func(a, b StallView) int {
		if a.DistanceM < b.DistanceM {
			return -1
		}
		if a.DistanceM > b.DistanceM {
			return 1
		}
		return 0
	})
	return out, nil
}

func (m *fakeMap) Topics(lat, lng, radiusM float64) []string {
	dLat := radiusM / 111000
	dLng := radiusM / (111000 * math.Cos(lat*math.Pi/180))
	var out []string
	for i := math.Floor((lat - dLat) / cellDeg); i <= math.Floor((lat+dLat)/cellDeg); i++ {
		for j := math.Floor((lng - dLng) / cellDeg); j <= math.Floor((lng+dLng)/cellDeg); j++ {
			out = append(out, fmt.Sprintf("cell:%d:%d", int(i), int(j)))
		}
	}
	return out
}

// codedErr is an Inbound error with a client-facing code.
type codedErr struct{ code, text string }

func (e codedErr) Error() string { return e.text }
func (e codedErr) Code() string  { return e.code }

// fakeInbound records calls and returns err.
type fakeInbound struct {
	locations atomic.Int64
	acks      atomic.Int64
	mu        sync.Mutex
	err       error
}

func (f *fakeInbound) Location(ctx context.Context, who Identity, m LocationMsg) error {
	f.locations.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeInbound) Ack(ctx context.Context, who Identity, orderID uint64) error {
	f.acks.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeInbound) setErr(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

// testEnv is a running hub behind an httptest server.
type testEnv struct {
	hub    *Hub
	srv    *httptest.Server
	m      *fakeMap
	in     *fakeInbound
	broker Broker
}

// brokerMaker returns a running broker delivering to recv, closed by the
// test's cleanup.
type brokerMaker func(recv Receiver) Broker

// memoryBrokerMaker returns a brokerMaker for MemoryBroker.
func memoryBrokerMaker(t testing.TB) brokerMaker {
	return func(recv Receiver) Broker {
		b := NewMemoryBroker(recv)
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
}

// forEachBroker runs test as the subtests "memory", "redis" and
// "redis_cluster", each with a maker of its broker. The Redis makers use a
// fresh random channel prefix; an unreachable Redis (or, for the cluster, a
// missing redis-server) fails the subtest when CI=true and skips it
// otherwise.
func forEachBroker(t *testing.T, test func(t *testing.T, mk brokerMaker)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { test(t, memoryBrokerMaker(t)) })
	t.Run("redis", func(t *testing.T) {
		mk, _ := redisBrokerMaker(t, randomName("illuwa-test-")+":")
		test(t, mk)
	})
	t.Run("redis_cluster", func(t *testing.T) {
		mk, _ := clusterBrokerMaker(t, randomName("illuwa-test-")+":")
		test(t, mk)
	})
}

// brokerTopics returns the topics b is subscribed to, sorted: the memory
// broker's table, or the channels Redis itself reports under b's prefix.
func brokerTopics(t *testing.T, b Broker) []string {
	t.Helper()
	var out []string
	switch b := b.(type) {
	case *MemoryBroker:
		b.mu.RLock()
		for tp := range b.subs {
			out = append(out, tp)
		}
		b.mu.RUnlock()
	case *RedisBroker:
		for _, ch := range redisChannels(t, b) {
			if tp, ok := b.topicOf(ch); ok {
				out = append(out, tp)
			}
		}
	default:
		t.Fatalf("brokerTopics: unknown broker %T", b)
	}
	slices.Sort(out)
	return out
}

// newEnv starts a hub on the broker made by mk (a memory broker when mk is
// nil) and an HTTP server whose /ws takes the identity from the query
// (?user=7&role=owner). Everything is stopped by the test's cleanup.
func newEnv(t testing.TB, opts Options, m *fakeMap, mk brokerMaker) *testEnv {
	t.Helper()
	if m == nil {
		m = newFakeMap()
	}
	in := &fakeInbound{}
	hub, err := NewHub(opts, m)
	if err != nil {
		t.Fatal(err)
	}
	return startEnv(t, hub, m, in, in, mk)
}

// newEnvWithHub serves a hub made by the test, on a memory broker, with in
// handling every connection's messages (nil: a fakeInbound).
func newEnvWithHub(t testing.TB, hub *Hub, in Inbound) *testEnv {
	t.Helper()
	fake, _ := in.(*fakeInbound)
	if in == nil {
		fake = &fakeInbound{}
		in = fake
	}
	return startEnv(t, hub, hub.m.(*fakeMap), fake, in, nil)
}

func startEnv(t testing.TB, hub *Hub, m *fakeMap, fake *fakeInbound, in Inbound, mk brokerMaker) *testEnv {
	t.Helper()
	if mk == nil {
		mk = memoryBrokerMaker(t)
	}
	b := mk(hub)
	hub.SetBroker(b)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { _ = hub.Run(ctx); close(runDone) }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseUint(r.URL.Query().Get("user"), 10, 64)
		dev, _ := strconv.ParseUint(r.URL.Query().Get("device"), 10, 64)
		hub.ServeWS(w, r, Identity{UserID: id, Role: r.URL.Query().Get("role"), Session: r.URL.Query().Get("session"), Addr: r.URL.Query().Get("addr"),
			DeviceID: dev}, in)
	}))
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := hub.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if n := hub.backlog.Load(); n != 0 {
			t.Errorf("send backlog %d after shutdown, want 0: the accounting leaks", n)
		}
		cancel()
		<-runDone
		srv.Close()
	})
	return &testEnv{hub: hub, srv: srv, m: m, in: fake, broker: b}
}

// Test places around Jongno, Seoul.
const (
	centerLat, centerLng = 37.5704, 126.9921
	farLat, farLng       = 37.6500, 127.1000 // ~12 km away
)

// offset returns the point dNorth, dEast metres from the centre.
func offset(dNorth, dEast float64) (lat, lng float64) {
	return centerLat + dNorth/111195, centerLng + dEast/(111195*math.Cos(centerLat*math.Pi/180))
}

var clock atomic.Int64

// tick returns strictly increasing event times.
func tick() time.Time {
	return time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC).Add(time.Duration(clock.Add(1)) * time.Millisecond)
}

// move updates the map and publishes a stall event to the topics of its old
// and new positions, as the location handler does.
func (e *testEnv) move(t *testing.T, typ string, id uint64, from, to [2]float64) time.Time {
	t.Helper()
	at := tick()
	if typ == TypePochaClosed {
		e.m.remove(id)
	} else {
		e.m.set(StallView{ID: id, Name: "stall " + strconv.FormatUint(id, 10), Lat: to[0], Lng: to[1], At: at})
	}
	ev := PochaEvent{Type: typ, ID: id, Name: "stall " + strconv.FormatUint(id, 10), Lat: to[0], Lng: to[1], At: at}
	if typ == TypePochaClosed {
		ev.Reason = "closed"
	}
	topics := []string{testTopic(from[0], from[1]), testTopic(to[0], to[1])}
	if err := e.hub.PublishPocha(context.Background(), ev, topics); err != nil {
		t.Fatalf("PublishPocha: %v", err)
	}
	return at
}

func pt(dNorth, dEast float64) [2]float64 {
	lat, lng := offset(dNorth, dEast)
	return [2]float64{lat, lng}
}
