package app

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/geo/redistest"
)

// TestRedisKilledOrdersReachOwner: Redis is SIGKILLed while the owner's
// screen is connected, orders are paid during the outage, and Redis comes
// back empty. Every confirm answers; the owner's screen gets every paid
// order, each exactly once; the customer's connection is told to re-read
// its orders; the lost pushes are counted.
func TestRedisKilledOrdersReachOwner(t *testing.T) {
	orders := 20
	if testing.Short() {
		orders = 8
	}
	if n, err := strconv.Atoi(os.Getenv("ILLUWA_SOAK_ORDERS")); err == nil && n > 0 {
		orders = n // the soak of docs/reliability.md
	}
	rds := redistest.StartServer(t)
	in := start(t, map[string]string{"ILLUWA_REDIS_URL": rds.URL(), "ILLUWA_DEMO_MOVERS": "0"}, "--demo")
	owner := in.login("demo-owner-1", DemoPassword)
	customer := in.login("demo-customer", DemoPassword)
	ownerWS := dialWS(t, in, owner)
	customerWS := dialWS(t, in, customer)
	pid, item := demoStallItem(t, in, owner, customer)

	rds.Kill()
	paid := map[uint64]bool{}
	for range orders {
		paid[payOrderOnline(t, in, customer, pid, item)] = true
	}
	// Orders no longer wait on the dead Redis, so the outage would be over
	// before the broker gave up on their pushes: keep it down long enough
	// that pushes are lost for real.
	time.Sleep(3 * time.Second)
	rds.Start()

	got := map[uint64]int{}
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < len(paid) {
		o := ownerWS.nextOrder("order.created", time.Until(deadline))
		got[o.ID]++
		if got[o.ID] > 1 {
			t.Fatalf("order %d shown twice on one connection", o.ID)
		}
		if !paid[o.ID] {
			t.Fatalf("unexpected order %d", o.ID)
		}
	}
	customerWS.next("orders.resync", 30*time.Second)
	if v := metricValue(t, in, `illuwa_push_failed_total{reason="broker"}`); v < 1 {
		t.Fatalf("illuwa_push_failed_total{reason=\"broker\"} = %v after an outage that lost pushes", v)
	}
	// No order is shown twice afterwards either: a marker order arrives
	// live, and nothing of the earlier ones came before it.
	marker := payOrderOnline(t, in, customer, pid, item)
	for {
		o := ownerWS.nextOrder("order.created", 10*time.Second)
		if o.ID == marker {
			break
		}
		t.Fatalf("order %d shown again on the same connection", o.ID)
	}
}

// demoStallItem returns the demo owner's open stall and one of its menu
// items.
func demoStallItem(t *testing.T, in *instance, owner, customer string) (pid uint64, item menuItem) {
	t.Helper()
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
	var menu struct{ Items []menuItem }
	in.call("GET", "/api/v1/pochas/"+itoa(mine.Items[0].ID)+"/menu", customer, nil, 200, &menu)
	return mine.Items[0].ID, menu.Items[0]
}

type menuItem struct {
	ID    uint64
	Price int64
}

// payOrderOnline places an order of item and pays it through the fake gateway;
// it returns the order id once the confirm answered 200.
func payOrderOnline(t *testing.T, in *instance, customer string, pid uint64, item menuItem) uint64 {
	t.Helper()
	var o orderJSON
	in.call("POST", "/api/v1/orders", customer, map[string]any{"pocha_id": pid,
		"items": []map[string]any{{"menu_item_id": item.ID, "quantity": 1}}}, 201, &o)
	var checkout struct{ PaymentKey string }
	in.call("POST", "/fake-pg/v1/fake/checkout", "", map[string]any{"orderId": o.PaymentOrderID, "amount": o.Total, "orderName": "떡볶이"}, 200, &checkout)
	req, _ := http.NewRequest("POST", in.base+"/api/v1/payments/confirm", strings.NewReader(
		`{"order_id":`+itoa(o.ID)+`,"payment_key":"`+checkout.PaymentKey+`","amount":`+itoa(uint64(o.Total))+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+customer)
	req.Header.Set("Idempotency-Key", "fault-confirm-"+itoa(o.ID))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("confirm of order %d: %d %s", o.ID, res.StatusCode, b)
	}
	return o.ID
}

// metricValue reads one sample (name with labels, as exposed) from the
// instance's metrics listener; absent is 0.
func metricValue(t *testing.T, in *instance, sample string) float64 {
	t.Helper()
	res, err := http.Get(in.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			return v
		}
	}
	return 0
}

// TestRedisKilledOrdersPlaceFast: with Redis SIGKILLed, placing an order
// does not wait on the stall's presence check (about 1.7 s an order before
// it was bounded): the check gives up after 300 ms and is not asked again
// for 5 s, so a run of orders takes about one such wait.
func TestRedisKilledOrdersPlaceFast(t *testing.T) {
	rds := redistest.StartServer(t)
	in := start(t, map[string]string{"ILLUWA_REDIS_URL": rds.URL(), "ILLUWA_DEMO_MOVERS": "0"}, "--demo")
	owner := in.login("demo-owner-1", DemoPassword)
	customer := in.login("demo-customer", DemoPassword)
	pid, item := demoStallItem(t, in, owner, customer)
	rds.Kill()
	const orders = 10
	start := time.Now()
	var slowest time.Duration
	for range orders {
		t0 := time.Now()
		var o orderJSON
		in.call("POST", "/api/v1/orders", customer, map[string]any{"pocha_id": pid,
			"items": []map[string]any{{"menu_item_id": item.ID, "quantity": 1}}}, 201, &o)
		slowest = max(slowest, time.Since(t0))
	}
	total := time.Since(start)
	t.Logf("%d orders with Redis down in %v (slowest %v)", orders, total, slowest)
	// Generous: the unbounded check took about 17 s for these ten.
	if total > 8*time.Second {
		t.Fatalf("%d orders took %v with Redis down", orders, total)
	}
}
