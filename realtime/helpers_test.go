package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
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

// newEnv starts a hub on a memory broker (or on the broker made by
// mkBroker) and an HTTP server whose /ws takes the identity from the query
// (?user=7&role=owner). Everything is stopped by the test's cleanup.
func newEnv(t *testing.T, opts Options, m *fakeMap, mkBroker func(recv Receiver) Broker) *testEnv {
	t.Helper()
	if m == nil {
		m = newFakeMap()
	}
	in := &fakeInbound{}
	hub, err := NewHub(opts, m, in)
	if err != nil {
		t.Fatal(err)
	}
	var b Broker
	if mkBroker == nil {
		mb := NewMemoryBroker(hub)
		t.Cleanup(func() { _ = mb.Close() })
		b = mb
	} else {
		b = mkBroker(hub)
	}
	hub.SetBroker(b)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { _ = hub.Run(ctx); close(runDone) }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseUint(r.URL.Query().Get("user"), 10, 64)
		hub.ServeWS(w, r, Identity{UserID: id, Role: r.URL.Query().Get("role")})
	}))
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := hub.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		cancel()
		<-runDone
		srv.Close()
	})
	return &testEnv{hub: hub, srv: srv, m: m, in: in, broker: b}
}

// client is a test WebSocket client.
type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (e *testEnv) dial(t *testing.T, query string) *client {
	t.Helper()
	return dialURL(t, e.srv.URL, query, nil)
}

func dialURL(t *testing.T, base, query string, header http.Header) *client {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	if query != "" {
		u += "?" + query
	}
	ws, resp, err := websocket.DefaultDialer.Dial(u, header)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	t.Cleanup(func() { _ = ws.Close() })
	c := &client{t: t, ws: ws}
	c.expect(TypeHello)
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) sendRaw(mt int, b []byte) {
	c.t.Helper()
	if err := c.ws.WriteMessage(mt, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the next server message as a generic map.
func (c *client) read() map[string]any {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("bad server JSON %s: %v", b, err)
	}
	if _, ok := m["server_time"].(string); !ok {
		c.t.Fatalf("message without server_time: %s", b)
	}
	return m
}

// expect reads the next message and checks its type.
func (c *client) expect(typ string) map[string]any {
	c.t.Helper()
	m := c.read()
	if m["type"] != typ {
		c.t.Fatalf("got %v, want type %q", m, typ)
	}
	return m
}

// expectPocha reads the next message and checks its type and id.
func (c *client) expectPocha(typ string, id uint64) map[string]any {
	c.t.Helper()
	m := c.expect(typ)
	if m["id"] != float64(id) {
		c.t.Fatalf("got %v, want id %d", m, id)
	}
	return m
}

// expectClose reads until the connection closes and checks the close code.
func (c *client) expectClose(code int) {
	c.t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, _, err := c.ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("connection ended with %v, want close code %d", err, code)
		}
		if ce.Code != code {
			c.t.Fatalf("close code %d, want %d", ce.Code, code)
		}
		return
	}
}

// watch sends a watch and returns the snapshot's stall ids.
func (c *client) watch(lat, lng, radiusM float64, ref string) []uint64 {
	c.t.Helper()
	c.send(WatchMessage{Type: TypeWatch, Ref: ref, Lat: lat, Lng: lng, RadiusM: radiusM})
	m := c.expect(TypeSnapshot)
	if ref != "" && m["ref"] != ref {
		c.t.Fatalf("snapshot ref %v, want %q", m["ref"], ref)
	}
	var ids []uint64
	for _, p := range m["pochas"].([]any) {
		ids = append(ids, uint64(p.(map[string]any)["id"].(float64)))
	}
	return ids
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
