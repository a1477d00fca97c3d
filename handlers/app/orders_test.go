package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store/storetest"
)

type orderJSON struct {
	ID             uint64 `json:"id"`
	PochaID        uint64 `json:"pocha_id"`
	Status         string `json:"status"`
	Total          int64  `json:"total"`
	PaymentOrderID string `json:"payment_order_id"`
	ReadyInMinutes int    `json:"ready_in_minutes"`
}

// nextOrder reads messages until an order push of type typ arrives.
func (w *wsClient) nextOrder(typ string, within time.Duration) orderJSON {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for {
		w.conn.SetReadDeadline(deadline)
		_, data, err := w.conn.ReadMessage()
		if err != nil {
			w.t.Fatalf("waiting for %s: %v", typ, err)
		}
		var msg struct {
			Type  string
			Order orderJSON
		}
		if err := json.Unmarshal(data, &msg); err != nil {
			w.t.Fatal(err)
		}
		if msg.Type == typ {
			return msg.Order
		}
	}
}

func (in *instance) login(login, password string) string {
	in.t.Helper()
	var res struct{ Token string }
	in.call("POST", "/api/v1/auth/login", "", map[string]any{"login_id": login, "password": password}, 200, &res)
	return res.Token
}

// TestOrderFlow: a customer orders from a demo stall and pays through the
// fake gateway; the owner's screen gets the order at once; the owner accepts,
// readies and completes it while the customer sees every change; the month's
// settlement shows it. On SQLite, on MariaDB, and across two instances over
// Redis (the screens on one, the API calls on the other).
func TestOrderFlow(t *testing.T) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			in := start(t, map[string]string{"ILLUWA_DATABASE_URL": storetest.URL(t, kind), "ILLUWA_DEMO_MOVERS": "0"}, "--demo")
			orderFlow(t, in, in)
		})
	}
	t.Run("redis_two_instances", func(t *testing.T) {
		env := redisEnv(t)
		env["ILLUWA_DEMO_MOVERS"] = "0"
		a := start(t, env, "--demo")
		b := start(t, env)
		orderFlow(t, a, b)
	})
}

func orderFlow(t *testing.T, in, screens *instance) {
	owner := in.login("demo-owner-1", DemoPassword)
	customer := in.login("demo-customer", DemoPassword)
	ownerWS := dialWS(t, screens, owner)
	customerWS := dialWS(t, screens, customer)

	var mine struct {
		Items []struct {
			ID     uint64
			IsOpen bool `json:"is_open"`
		}
	}
	in.call("GET", "/api/v1/pochas/mine", owner, nil, 200, &mine)
	if len(mine.Items) == 0 || !mine.Items[0].IsOpen {
		t.Fatalf("demo owner has no open stall: %+v", mine)
	}
	pid := mine.Items[0].ID
	var menu struct {
		Items []struct {
			ID    uint64
			Price int64
		}
	}
	in.call("GET", "/api/v1/pochas/"+itoa(pid)+"/menu", customer, nil, 200, &menu)
	item := menu.Items[0]

	var o orderJSON
	in.call("POST", "/api/v1/orders", customer, map[string]any{"pocha_id": pid,
		"items": []map[string]any{{"menu_item_id": item.ID, "quantity": 2}}}, 201, &o)
	if o.Status != "pending_payment" || o.Total != 2*item.Price {
		t.Fatalf("new order: %+v", o)
	}
	// The checkout widget (here: the built-in fake gateway) makes a payment key.
	var checkout struct{ PaymentKey string }
	in.call("POST", "/fake-pg/v1/fake/checkout", "", map[string]any{"orderId": o.PaymentOrderID, "amount": o.Total, "orderName": "떡볶이"}, 200, &checkout)
	req, _ := http.NewRequest("POST", in.base+"/api/v1/payments/confirm", strings.NewReader(
		`{"order_id":`+itoa(o.ID)+`,"payment_key":"`+checkout.PaymentKey+`","amount":`+itoa(uint64(o.Total))+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+customer)
	req.Header.Set("Idempotency-Key", "e2e-confirm-"+itoa(o.ID))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	if got := ownerWS.nextOrder("order.created", 3*time.Second); got.ID != o.ID || got.Status != "paid" {
		t.Fatalf("owner's order.created: %+v", got)
	}
	// A screen that connects later gets the unacknowledged order again...
	if got := dialWS(t, screens, owner).nextOrder("order.created", 3*time.Second); got.ID != o.ID {
		t.Fatalf("replayed order: %+v", got)
	}
	// ...until the owner acknowledges it.
	ownerWS.send(map[string]any{"type": "ack", "order_id": o.ID})
	for deadline := time.Now().Add(5 * time.Second); ; {
		w := dialWS(t, screens, owner)
		w.send(map[string]any{"type": "watch", "lat": 37.5, "lng": 127.0, "radius_m": 10})
		replayed := false
		for {
			w.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, data, err := w.conn.ReadMessage()
			if err != nil {
				t.Fatalf("reading a new screen: %v", err)
			}
			if strings.Contains(string(data), `"snapshot"`) {
				break
			}
			replayed = replayed || strings.Contains(string(data), `"order.created"`)
		}
		w.conn.Close()
		if !replayed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an acknowledged order is still replayed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	steps := []struct {
		path string
		body any
		want string
	}{
		{"/accept", map[string]any{"ready_in_minutes": 10}, "accepted"},
		{"/ready", nil, "ready"},
		{"/complete", nil, "completed"},
	}
	for _, st := range steps {
		in.call("POST", "/api/v1/orders/"+itoa(o.ID)+st.path, owner, st.body, 200, nil)
		for {
			got := customerWS.nextOrder("order.updated", 3*time.Second)
			if got.ID == o.ID && got.Status == st.want {
				break
			}
			if got.ID == o.ID && got.Status != "paid" {
				t.Fatalf("customer saw %q while waiting for %q", got.Status, st.want)
			}
		}
	}
	customerWS.send(map[string]any{"type": "ack", "order_id": o.ID, "ref": "not-mine"})
	if ev := customerWS.next("error", 3*time.Second); ev.Code != "not_found" {
		t.Fatalf("a customer acknowledging an order: %+v", ev)
	}

	month := time.Now().In(time.FixedZone("KST", 9*3600)).Format("2006-01")
	var settle struct {
		Totals struct {
			Orders int
			Gross  int64
			Fees   int64
			Payout int64
		}
	}
	in.call("GET", "/api/v1/pochas/"+itoa(pid)+"/settlements/"+month, owner, nil, 200, &settle)
	if settle.Totals.Orders != 1 || settle.Totals.Gross != o.Total || settle.Totals.Payout != o.Total-settle.Totals.Fees || settle.Totals.Fees <= 0 {
		t.Fatalf("settlement: %+v (order total %d)", settle, o.Total)
	}
	in.call("GET", "/api/v1/pochas/"+itoa(pid)+"/settlements/"+month, customer, nil, 403, nil)
}
