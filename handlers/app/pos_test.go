package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/hardware/sim"
)

// payOrder places an order of one menu item at stall pid as the customer and
// pays it through the demo's fake gateway.
func payOrder(t *testing.T, in *instance, customer string, pid, itemID uint64, qty int) orderJSON {
	t.Helper()
	var o orderJSON
	in.call("POST", "/api/v1/orders", customer, map[string]any{"pocha_id": pid,
		"items": []map[string]any{{"menu_item_id": itemID, "quantity": qty}}}, 201, &o)
	var checkout struct{ PaymentKey string }
	in.call("POST", "/fake-pg/v1/fake/checkout", "", map[string]any{"orderId": o.PaymentOrderID, "amount": o.Total, "orderName": "pos"}, 200, &checkout)
	req, _ := http.NewRequest("POST", in.base+"/api/v1/payments/confirm", strings.NewReader(
		fmt.Sprintf(`{"order_id":%d,"payment_key":%q,"amount":%d}`, o.ID, checkout.PaymentKey, o.Total)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+customer)
	req.Header.Set("Idempotency-Key", fmt.Sprintf("pos-confirm-%d", o.ID))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	return o
}

// startBridge runs `illuwa pos-bridge` in-process (as the command does) until
// the returned stop is called or the test ends.
func startBridge(t *testing.T, in *instance, port, token string, pid uint64, state string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	getenv := func(k string) string {
		return map[string]string{"ILLUWA_POS_TOKEN": token}[k]
	}
	go func() {
		done <- Run(ctx, []string{"pos-bridge", "--port", port, "--server", in.base, "--pocha", fmt.Sprint(pid),
			"--state-dir", state, "--log-level", "debug"}, getenv, out, out)
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("pos-bridge returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("pos-bridge did not stop within 10 s")
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestPOSEndToEnd: a customer orders and pays; the order appears on the
// simulated box's LCD; the box's accept button accepts it and the customer's
// WebSocket sees accepted; ready the same way. Then the faults: an order paid
// while the cable is pulled appears once it is back; one paid while the
// bridge is down appears when it restarts; none is shown twice (each new
// order beeps once), and none is lost.
func TestPOSEndToEnd(t *testing.T) {
	sim.Require(t)
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0"}, "--demo")
	owner := in.login("demo-owner-1", DemoPassword)
	customer := in.login("demo-customer", DemoPassword)
	customerWS := dialWS(t, in, customer)
	var mine struct{ Items []struct{ ID uint64 } }
	in.call("GET", "/api/v1/pochas/mine", owner, nil, 200, &mine)
	pid := mine.Items[0].ID
	var menu struct {
		Items []struct {
			ID    uint64
			Name  string
			Price int64
		}
	}
	in.call("GET", "/api/v1/pochas/"+itoa(pid)+"/menu", customer, nil, 200, &menu)
	item := menu.Items[0]

	box := sim.Start(t, sim.Options{})
	state := t.TempDir()
	stop := startBridge(t, in, box.Port, owner, pid, state)
	box.WaitLCD(20*time.Second, "no orders")

	o := payOrder(t, in, customer, pid, item.ID, 2)
	lcd := box.WaitLCD(20*time.Second, fmt.Sprintf("#%03d NEW", o.ID%1000))
	if !strings.Contains(lcd, fmt.Sprintf("|%d 2 ", o.Total)) {
		t.Fatalf("LCD %q: want the total %d and the items", lcd, o.Total)
	}
	box.Press("accept")
	waitStatus(t, customerWS, o.ID, "accepted")
	box.WaitLCD(20*time.Second, fmt.Sprintf("#%03d COOKING", o.ID%1000))
	box.Press("ready")
	waitStatus(t, customerWS, o.ID, "ready")
	box.WaitLCD(20*time.Second, "no orders")
	var got orderJSON
	in.call("GET", "/api/v1/orders/"+itoa(o.ID), customer, nil, 200, &got)
	if got.Status != "ready" {
		t.Fatalf("order after ready: %+v", got)
	}

	// The cable pulled: an order paid meanwhile appears once it is back.
	box.Unplug()
	o2 := payOrder(t, in, customer, pid, item.ID, 1)
	time.Sleep(time.Second)
	box.Plug()
	box.WaitLCD(30*time.Second, fmt.Sprintf("#%03d NEW", o2.ID%1000))

	// The bridge killed and restarted: an order paid while it was down appears.
	stop()
	o3 := payOrder(t, in, customer, pid, item.ID, 3)
	startBridge(t, in, box.Port, owner, pid, state)
	box.WaitLCD(30*time.Second, "1/2")
	box.Press("next")
	box.WaitLCD(20*time.Second, fmt.Sprintf("#%03d NEW     2/2", o3.ID%1000))
	time.Sleep(2 * time.Second) // let any replay arrive
	newOrderBeeps := 0
	for _, hz := range box.Beeps() {
		if hz > 1900 && hz < 2100 {
			newOrderBeeps++
		}
	}
	if newOrderBeeps != 3 {
		t.Fatalf("%d new-order beeps for 3 orders (beeps %v, LCD history %q)", newOrderBeeps, box.Beeps(), box.History())
	}
}

// waitStatus reads order pushes until order id has status want.
func waitStatus(t *testing.T, w *wsClient, id uint64, want string) {
	t.Helper()
	for {
		got := w.nextOrder("order.updated", 30*time.Second)
		if got.ID == id && got.Status == want {
			return
		}
	}
}
