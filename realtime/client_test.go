package realtime

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

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

// keepReading reads and drops c's messages in the background until its
// connection ends (the test's cleanup closes it), so that its ping and pong
// handlers run: gorilla calls them only inside a read. The test reads
// nothing more itself after this.
func (c *client) keepReading() {
	_ = c.ws.SetReadDeadline(time.Time{})
	go func() {
		for {
			if _, _, err := c.ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
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
