package web

import (
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeStall is a stall as the fake /ws server knows it.
type fakeStall struct {
	ID   uint64  `json:"id"`
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lng  float64 `json:"lng"`
	At   string  `json:"at"`
}

// watchMsg is a client's watch request, as the fake server received it.
type watchMsg struct {
	Type    string  `json:"type"`
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
	RadiusM float64 `json:"radius_m"`
}

// fakeRealtime speaks the server side of the /ws protocol for the map page:
// hello on connect, a snapshot of its world after every watch, and the events
// a test pushes (which it also applies to its world, so a later snapshot
// agrees with them).
type fakeRealtime struct {
	t        *testing.T
	upgrader websocket.Upgrader

	mu      sync.Mutex
	world   map[uint64]fakeStall
	conns   map[*websocket.Conn]*sync.Mutex // each conn's write lock
	watches []watchMsg
	tokens  []string         // the token query parameter of each connection
	others  []map[string]any // the messages other than watch, in order
	wg      sync.WaitGroup
}

func newFakeRealtime(t *testing.T, stalls ...fakeStall) *fakeRealtime {
	f := &fakeRealtime{
		t:     t,
		world: make(map[uint64]fakeStall),
		conns: make(map[*websocket.Conn]*sync.Mutex),
	}
	for _, s := range stalls {
		f.world[s.ID] = s
	}
	t.Cleanup(f.close)
	return f
}

func (f *fakeRealtime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := f.upgrader.Upgrade(w, r, nil) // default CheckOrigin: same host only
	if err != nil {
		f.t.Errorf("fake ws: upgrade: %v", err)
		return
	}
	lock := new(sync.Mutex)
	f.mu.Lock()
	f.conns[conn] = lock
	f.tokens = append(f.tokens, r.URL.Query().Get("token"))
	f.wg.Add(1)
	f.mu.Unlock()
	defer f.wg.Done()
	defer func() {
		f.mu.Lock()
		delete(f.conns, conn)
		f.mu.Unlock()
		conn.Close()
	}()

	f.write(conn, lock, map[string]any{"type": "hello", "user_id": 0, "role": ""})
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return // the browser left, or close() closed the conn
		}
		var msg watchMsg
		if err := json.Unmarshal(data, &msg); err != nil {
			f.write(conn, lock, map[string]any{"type": "error", "code": "invalid_message", "message": "not JSON"})
			continue
		}
		if msg.Type != "watch" {
			// ack, location...: kept for the test to look at.
			var other map[string]any
			_ = json.Unmarshal(data, &other)
			f.mu.Lock()
			f.others = append(f.others, other)
			f.mu.Unlock()
			continue
		}
		f.mu.Lock()
		f.watches = append(f.watches, msg)
		snap := f.snapshotLocked(msg)
		f.mu.Unlock()
		f.write(conn, lock, snap)
	}
}

func (f *fakeRealtime) snapshotLocked(w watchMsg) map[string]any {
	pochas := make([]fakeStall, 0, len(f.world))
	for _, s := range f.world {
		pochas = append(pochas, s)
	}
	sort.Slice(pochas, func(i, j int) bool { return pochas[i].ID < pochas[j].ID })
	return map[string]any{"type": "snapshot", "lat": w.Lat, "lng": w.Lng, "radius_m": w.RadiusM, "pochas": pochas}
}

// push sends each event to every connection and applies it to the world.
func (f *fakeRealtime) push(events ...map[string]any) {
	f.mu.Lock()
	for _, ev := range events {
		id := ev["id"].(uint64)
		switch ev["type"] {
		case "pocha.moved", "pocha.opened":
			f.world[id] = fakeStall{ID: id, Name: ev["name"].(string), Lat: ev["lat"].(float64), Lng: ev["lng"].(float64), At: ev["at"].(string)}
		case "pocha.left", "pocha.closed":
			delete(f.world, id)
		}
	}
	conns := make(map[*websocket.Conn]*sync.Mutex, len(f.conns))
	for c, l := range f.conns {
		conns[c] = l
	}
	f.mu.Unlock()
	for c, l := range conns {
		for _, ev := range events {
			f.write(c, l, ev)
		}
	}
}

// dropAll closes every connection, as a restarting server would.
func (f *fakeRealtime) dropAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c, l := range f.conns {
		l.Lock()
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "restart"), time.Now().Add(time.Second))
		l.Unlock()
		c.Close()
	}
}

// tokenList returns the token of each connection so far ("" when anonymous).
func (f *fakeRealtime) tokenList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}

// othersOf returns the messages of type typ other than watch received so far.
func (f *fakeRealtime) othersOf(typ string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, m := range f.others {
		if m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

// send writes msg to every connection as it is (order pushes and the like).
func (f *fakeRealtime) send(msg map[string]any) {
	// A page can be "live" from its API answers before its WebSocket is
	// up (on a loaded machine, well before): wait for a connection, so the
	// message is not sent to nobody.
	var conns map[*websocket.Conn]*sync.Mutex
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		f.mu.Lock()
		conns = make(map[*websocket.Conn]*sync.Mutex, len(f.conns))
		for c, l := range f.conns {
			conns[c] = l
		}
		f.mu.Unlock()
		if len(conns) > 0 || time.Now().After(deadline) {
			break
		}
	}
	for c, l := range conns {
		f.write(c, l, msg)
	}
}

// watchList returns the watches received so far.
func (f *fakeRealtime) watchList() []watchMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]watchMsg(nil), f.watches...)
}

func (f *fakeRealtime) write(c *websocket.Conn, lock *sync.Mutex, msg map[string]any) {
	msg["server_time"] = time.Now().UTC()
	b, err := json.Marshal(msg)
	if err != nil {
		f.t.Errorf("fake ws: encode: %v", err)
		return
	}
	lock.Lock()
	defer lock.Unlock()
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = c.WriteMessage(websocket.TextMessage, b) // a closed conn ends its read loop
}

// close ends every connection and waits for their handlers to return.
func (f *fakeRealtime) close() {
	f.dropAll()
	f.wg.Wait()
}
