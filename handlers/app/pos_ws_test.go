package app

import (
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/handlers/toss/tossfake"
)

// TestDeviceCardOverWebSocket: a paired device's `card` message pays an
// order placed to be paid at the stall with the customer's saved card bound
// to that card token, and the answer comes back as `payment.result` (echoing
// ref); a card whose charge is declined, and one nobody registered, answer
// not approved and leave the order unpaid; a repeated tap does not charge
// twice; a customer's connection may not send `card`. Revoking the device
// closes its socket (1008) and its token is refused from then on.
func TestDeviceCardOverWebSocket(t *testing.T) {
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0"}, "--demo")
	s := demoStall(t, in)
	const good, exhausted, stranger = 0xA1B2C3D4, 0x0BADCAFE, 0x01020304
	s.registerCard(t, in, tossfake.ApprovedCard, good)
	s.registerCard(t, in, tossfake.ExhaustedCard, exhausted)
	token, deviceID := s.pair(t, in)
	dev, _, err := dialDevice(t, in, token)
	if err != nil {
		t.Fatal(err)
	}
	readType(t, dev, "hello", 5*time.Second)

	o := s.orderAtStall(t, in, 1)
	if pushed := readType(t, dev, "order.created", 10*time.Second); pushed["order"].(map[string]any)["id"] != float64(o.ID) {
		t.Fatalf("the device got %v, want order %d", pushed, o.ID)
	}
	tap := func(uid uint32, ref string) map[string]any {
		t.Helper()
		if err := dev.WriteJSON(map[string]any{"type": "card", "ref": ref, "token": cardToken(uid), "order_id": o.ID}); err != nil {
			t.Fatal(err)
		}
		res := readType(t, dev, "payment.result", 20*time.Second)
		if res["ref"] != ref || res["order_id"] != float64(o.ID) {
			t.Fatalf("payment.result %v: want ref %s and order %d", res, ref, o.ID)
		}
		return res
	}
	for _, c := range []struct {
		name string
		uid  uint32
		code string
	}{{"declined", exhausted, "REJECT_CARD_PAYMENT"}, {"unknown", stranger, "UNKNOWN_CARD"}} {
		if res := tap(c.uid, c.name); res["approved"] != false || res["code"] != c.code {
			t.Fatalf("%s card: %v, want not approved, %s", c.name, res, c.code)
		}
		if st := s.status(t, in, o.ID); st != "pending_payment" {
			t.Fatalf("after the %s card the order is %s", c.name, st)
		}
	}
	if res := tap(good, "good"); res["approved"] != true || res["code"] != "DONE" {
		t.Fatalf("registered card: %v", res)
	}
	if st := s.status(t, in, o.ID); st != "paid" {
		t.Fatalf("after the approved tap the order is %s", st)
	}
	if res := tap(good, "again"); res["approved"] != true {
		t.Fatalf("a repeated tap: %v", res)
	}
	var page struct{ Items []orderJSON }
	in.call("GET", "/api/v1/orders?status=paid", s.owner, nil, 200, &page)
	paid := 0
	for _, p := range page.Items {
		if p.ID == o.ID {
			paid++
		}
	}
	if paid != 1 {
		t.Fatalf("the order is listed paid %d times", paid)
	}

	// A customer's connection may not pay.
	cust := dialWS(t, in, s.customer)
	cust.send(map[string]any{"type": "card", "token": cardToken(good), "order_id": o.ID})
	if ev := cust.next("error", 5*time.Second); ev.Code != "forbidden" {
		t.Fatalf("a customer's card message: %+v", ev)
	}

	// Revoked: the socket closes with 1008, the token is refused.
	in.call("DELETE", "/api/v1/pochas/"+itoa(s.pid)+"/devices/"+itoa(deviceID), s.owner, nil, 204, nil)
	dev.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := dev.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
			t.Fatalf("the revoked device's socket ended with %v, want close 1008", err)
		}
		break
	}
	if _, res, err := dialDevice(t, in, token); err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("a revoked token's WebSocket: %v %v, want 401", res, err)
	}
	in.call("GET", "/api/v1/orders?status=paid", token, nil, 401, nil)
}
