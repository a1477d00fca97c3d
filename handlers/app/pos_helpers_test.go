package app

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/hardware"
)

// posStall is the demo's first stall as its owner and the demo customer
// see it.
type posStall struct {
	owner, customer string
	pid, item       uint64
}

func demoStall(t *testing.T, in *instance) posStall {
	t.Helper()
	s := posStall{owner: in.login("demo-owner-1", DemoPassword), customer: in.login("demo-customer", DemoPassword)}
	var mine struct{ Items []struct{ ID uint64 } }
	in.call("GET", "/api/v1/pochas/mine", s.owner, nil, 200, &mine)
	s.pid = mine.Items[0].ID
	var menu struct{ Items []struct{ ID uint64 } }
	in.call("GET", "/api/v1/pochas/"+itoa(s.pid)+"/menu", s.customer, nil, 200, &menu)
	s.item = menu.Items[0].ID
	return s
}

// pairingCode makes a pairing code for the stall as its owner.
func (s posStall) pairingCode(t *testing.T, in *instance) string {
	t.Helper()
	var c struct{ Code string }
	in.call("POST", "/api/v1/pochas/"+itoa(s.pid)+"/devices/pairing-code", s.owner, nil, 201, &c)
	return c.Code
}

// pair trades a pairing code for a device token, as the bridge does.
func (s posStall) pair(t *testing.T, in *instance) (token string, deviceID uint64) {
	t.Helper()
	var p struct {
		DeviceID uint64 `json:"device_id"`
		Token    string
	}
	in.call("POST", "/api/v1/devices/pair", "", map[string]any{"code": s.pairingCode(t, in), "name": "test box"}, 201, &p)
	return p.Token, p.DeviceID
}

// devices is GET /pochas/{id}/devices as the owner.
type devicesJSON struct {
	Items []struct {
		ID     uint64
		Online bool
	}
	POSOnline       bool `json:"pos_online"`
	AcceptingOrders bool `json:"accepting_orders"`
}

func (s posStall) devices(t *testing.T, in *instance) devicesJSON {
	t.Helper()
	var d devicesJSON
	in.call("GET", "/api/v1/pochas/"+itoa(s.pid)+"/devices", s.owner, nil, 200, &d)
	return d
}

// cardToken is the token the firmware reports for a card of this UID.
func cardToken(uid uint32) string {
	tok := hardware.CardToken(hardware.DefaultCardKey, []byte{byte(uid >> 24), byte(uid >> 16), byte(uid >> 8), byte(uid)})
	return hex.EncodeToString(tok[:])
}

// registerCard saves a card for the customer and binds the token a box
// reads from the card with this UID to it.
func (s posStall) registerCard(t *testing.T, in *instance, number string, uid uint32) {
	t.Helper()
	next := time.Now().AddDate(1, 0, 0)
	var m struct{ ID uint64 }
	in.call("POST", "/api/v1/payment-methods", s.customer, map[string]any{"card_number": number,
		"exp_month": int(next.Month()), "exp_year": next.Year()}, 201, &m)
	in.call("PATCH", "/api/v1/payment-methods/"+itoa(m.ID), s.customer, map[string]any{"card_token": cardToken(uid)}, 200, nil)
}

// orderAtStall places an order to be paid at the stall.
func (s posStall) orderAtStall(t *testing.T, in *instance, qty int) orderJSON {
	t.Helper()
	var o orderJSON
	in.call("POST", "/api/v1/orders", s.customer, map[string]any{"pocha_id": s.pid, "pay_at_stall": true,
		"items": []map[string]any{{"menu_item_id": s.item, "quantity": qty}}}, 201, &o)
	if o.Status != "pending_payment" {
		t.Fatalf("an order at the stall: %+v", o)
	}
	return o
}

func (s posStall) status(t *testing.T, in *instance, id uint64) string {
	t.Helper()
	var o orderJSON
	in.call("GET", "/api/v1/orders/"+itoa(id), s.customer, nil, 200, &o)
	return o.Status
}

// dialDevice opens the WebSocket as a device, with its token in the header
// as the bridge sends it.
func dialDevice(t *testing.T, in *instance, token string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	u := strings.Replace(in.base, "http://", "ws://", 1) + "/ws"
	c, res, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, res, err
}

// readType reads messages until one of type typ, and returns it raw.
func readType(t *testing.T, c *websocket.Conn, typ string, within time.Duration) map[string]any {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(within))
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if m["type"] == typ {
			return m
		}
	}
}
