package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/store/storetest"
)

// gqlWS is a graphql-transport-ws client connection.
type gqlWS struct {
	t  *testing.T
	ws *websocket.Conn
}

func (a *testAPI) gqlWS(token string) *gqlWS {
	a.t.Helper()
	h := http.Header{"Sec-WebSocket-Protocol": {"graphql-transport-ws"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(a.http.URL, "http")+"/api/v1/graphql", h)
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() { _ = ws.Close() })
	c := &gqlWS{t: a.t, ws: ws}
	c.send(map[string]any{"type": "connection_init"})
	if m := c.read(); m.Type != "connection_ack" {
		a.t.Fatalf("first message %+v", m)
	}
	return c
}

type wsMsg struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

func (c *gqlWS) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the next message other than a ping (20 s at most).
func (c *gqlWS) read() wsMsg {
	c.t.Helper()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		var m wsMsg
		if err := c.ws.ReadJSON(&m); err != nil {
			c.t.Fatal(err)
		}
		if m.Type == "ping" {
			c.send(map[string]any{"type": "pong"})
			continue
		}
		return m
	}
}

func (c *gqlWS) subscribe(id, query string, vars map[string]any) {
	c.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
}

// next reads the next "next" message of subscription id into v.
func (c *gqlWS) next(id string, v any) {
	c.t.Helper()
	m := c.read()
	if m.Type != "next" || m.ID != id {
		c.t.Fatalf("want next of %s, got %s %s %s", id, m.Type, m.ID, m.Payload)
	}
	var r gqlResponse
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		c.t.Fatal(err)
	}
	r.ok(c.t, v)
}

func TestGraphQLSubscriptions(t *testing.T) {
	p := newPayAPI(t, storetest.Backends[0], withEverything(t), func(d *Deps) { d.Push = d.Hub })
	if err := p.store.SetPochaOpen(t.Context(), p.pocha, false); err != nil {
		t.Fatal(err)
	}
	watcher := p.gqlWS("")
	watcher.subscribe("map", `subscription { stallsNear(lat: 37.5665, lng: 126.978, radiusM: 1000) { type snapshot { id } stall { id name lat lng } } }`, nil)
	type stallEvent struct {
		StallsNear struct {
			Type     string
			Snapshot []struct{ ID string }
			Stall    *struct {
				ID, Name string
				Lat, Lng float64
			}
		}
	}
	var ev stallEvent
	watcher.next("map", &ev)
	if ev.StallsNear.Type != "SNAPSHOT" || len(ev.StallsNear.Snapshot) != 0 {
		t.Fatalf("first event %+v", ev)
	}
	// Near the circle's edge (990 m north), so short moves cross it at a believable speed.
	p.do("POST", "/api/v1/pochas/"+itoa(p.pocha)+"/open", p.owner, map[string]any{"lat": 37.5754, "lng": 126.978}).mustStatus(t, 200)
	watcher.next("map", &ev)
	if ev.StallsNear.Type != "OPENED" || ev.StallsNear.Stall.ID != itoa(p.pocha) || ev.StallsNear.Stall.Name != "을지로 포차" {
		t.Fatalf("after open %+v", ev)
	}
	move := func(lat float64, pause time.Duration) {
		time.Sleep(pause)
		p.do("POST", "/api/v1/pochas/"+itoa(p.pocha)+"/location", p.owner,
			map[string]any{"lat": lat, "lng": 126.978, "at": time.Now().UTC()}).mustStatus(t, 204)
	}
	move(37.5753, 500*time.Millisecond)
	watcher.next("map", &ev)
	if ev.StallsNear.Type != "MOVED" || ev.StallsNear.Stall.Lat != 37.5753 {
		t.Fatalf("after move %+v", ev)
	}
	move(37.5758, 2*time.Second) // 1,034 m from the centre
	watcher.next("map", &ev)
	if ev.StallsNear.Type != "LEFT" || ev.StallsNear.Stall.ID != itoa(p.pocha) {
		t.Fatalf("after leaving the circle %+v", ev)
	}

	owner := p.gqlWS(p.owner)
	owner.subscribe("new", `subscription($p: ID!) { orderCreated(pochaId: $p) { id status total } }`, map[string]any{"p": itoa(p.pocha)})
	other := p.gqlWS(p.cust)
	other.subscribe("bad", `subscription($p: ID!) { orderCreated(pochaId: $p) { id } }`, map[string]any{"p": itoa(p.pocha)})
	if m := other.read(); (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), `"forbidden"`) {
		t.Errorf("a customer's orderCreated: %s %s", m.Type, m.Payload)
	}
	o := p.order(1)
	cust := p.gqlWS(p.cust)
	cust.subscribe("o", `subscription($id: ID!) { orderUpdated(id: $id) { id status } }`, map[string]any{"id": itoa(o.ID)})
	var up struct{ OrderUpdated struct{ ID, Status string } }
	cust.next("o", &up)
	if up.OrderUpdated.Status != "PENDING_PAYMENT" {
		t.Fatalf("first orderUpdated %+v", up)
	}
	time.Sleep(50 * time.Millisecond) // the owner's subscription is registered by now
	p.pay(o)
	var created struct{ OrderCreated struct{ ID, Status string } }
	owner.next("new", &created)
	if created.OrderCreated.ID != itoa(o.ID) || created.OrderCreated.Status != "PAID" {
		t.Fatalf("orderCreated %+v", created)
	}
	stranger, _ := p.signupLogin("customer3", "customer")
	s := p.gqlWS(stranger)
	s.subscribe("x", `subscription($id: ID!) { orderUpdated(id: $id) { id } }`, map[string]any{"id": itoa(o.ID)})
	if m := s.read(); (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), `"not_found"`) {
		t.Errorf("another customer's orderUpdated: %s %s", m.Type, m.Payload)
	}
	for _, step := range []struct{ path, want string }{{"accept", "ACCEPTED"}, {"ready", "READY"}, {"complete", "COMPLETED"}} {
		var body any
		if step.path == "accept" {
			body = map[string]any{"ready_in_minutes": 10}
		}
		p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/"+step.path, p.owner, body).mustStatus(t, 200)
		cust.next("o", &up)
		if up.OrderUpdated.Status != step.want {
			t.Fatalf("after %s: %+v", step.path, up)
		}
	}
}
