package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/handlers/toss/tossfake"
	"github.com/illuwa/illuwa/store/storetest"
)

// These tests stop an instance, or its database, at a chosen point of a
// confirm and show what the rest of the system makes of the half-done work.
// An instance is "killed" at a hook point: the confirm's goroutine ends
// there (runtime.Goexit: nothing after the point runs, its connection is
// dropped, its lease stops being renewed) and the instance is shut down
// around it, which is what a SIGKILL leaves behind for the database, the
// gateway and the clients.

// gateway is a fake payment gateway over real HTTP shared by the instances.
type gateway struct {
	t    *testing.T
	fake *tossfake.Server
	srv  *httptest.Server
}

const killSecret = "test_sk_kills"

func startGateway(t *testing.T, env map[string]string) *gateway {
	fake := tossfake.New(tossfake.Options{SecretKey: killSecret})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	env["ILLUWA_PAYMENTS_URL"], env["ILLUWA_PAYMENTS_SECRET_KEY"] = srv.URL, killSecret
	return &gateway{t: t, fake: fake, srv: srv}
}

// checkout opens a READY payment for the order, as the browser widget does.
func (g *gateway) checkout(o orderJSON) string {
	g.t.Helper()
	b, _ := json.Marshal(map[string]any{"orderId": o.PaymentOrderID, "amount": o.Total, "orderName": "떡볶이"})
	res, err := http.Post(g.srv.URL+"/v1/fake/checkout", "application/json", bytes.NewReader(b))
	if err != nil {
		g.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ PaymentKey string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.PaymentKey == "" {
		g.t.Fatalf("checkout: %d %v", res.StatusCode, err)
	}
	return out.PaymentKey
}

// confirm calls POST /payments/confirm on a fresh connection (no keep-alive,
// so the Go client does not resend it by itself when the connection breaks)
// and returns the status and the problem code, or the transport error.
func confirm(in *instance, customer string, o orderJSON, paymentKey, idemKey string) (int, string, error) {
	req, _ := http.NewRequest("POST", in.base+"/api/v1/payments/confirm", strings.NewReader(
		`{"order_id":`+itoa(o.ID)+`,"payment_key":"`+paymentKey+`","amount":`+itoa(uint64(o.Total))+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+customer)
	req.Header.Set("Idempotency-Key", idemKey)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var pr struct{ Code string }
	_ = json.Unmarshal(b, &pr)
	return res.StatusCode, pr.Code, nil
}

// placeOrder places an order of one item as the customer.
func placeOrder(t *testing.T, in *instance, customer string, pid uint64, item menuItem) orderJSON {
	t.Helper()
	var o orderJSON
	in.call("POST", "/api/v1/orders", customer, map[string]any{"pocha_id": pid,
		"items": []map[string]any{{"menu_item_id": item.ID, "quantity": 1}}}, 201, &o)
	return o
}

// killable is an instance that dies at the first confirm reaching point.
type killable struct {
	*instance
	killed chan struct{} // closed once the instance has stopped
}

func startKillable(t *testing.T, env map[string]string, point string, k testKnobs, args ...string) *killable {
	t.Helper()
	kl := &killable{killed: make(chan struct{})}
	ready := make(chan struct{})
	var once sync.Once
	k.paymentHook = func(p string, _ uint64) {
		if p != point {
			return
		}
		hit := false
		once.Do(func() { hit = true })
		if !hit {
			return
		}
		<-ready
		go func() { kl.stop(); close(kl.killed) }()
		runtime.Goexit()
	}
	kl.instance = startCtx(t, context.WithValue(context.Background(), knobsKey{}, k), env, args...)
	close(ready)
	return kl
}

// TestInstanceKilledAfterPaymentCommit: the instance dies after the order
// became paid in the database and before anything was pushed. The customer's
// confirm gets no answer; the order is paid, charged once; the owner's screen
// on the living instance gets it from the workers' re-push, and the one that
// was connected to the dead instance (it reconnects to the other) from the
// welcome replay, each exactly once.
func TestInstanceKilledAfterPaymentCommit(t *testing.T) {
	env := redisEnv(t)
	env["ILLUWA_DEMO_MOVERS"] = "0"
	gw := startGateway(t, env)
	a := startKillable(t, env, ordering.HookAfterSettle, testKnobs{}, "--demo")
	b := start(t, env)
	owner := b.login("demo-owner-1", DemoPassword)
	customer := b.login("demo-customer", DemoPassword)
	dialWS(t, a.instance, owner) // the owner's screen, on the instance that will die
	onB := dialWS(t, b, owner)   // and another one, on the instance that lives
	pid, item := demoStallItem(t, b, owner, customer)

	o := placeOrder(t, b, customer, pid, item)
	if status, code, err := confirm(a.instance, customer, o, gw.checkout(o), "kill-after-1"); err == nil {
		t.Fatalf("the killed instance answered the confirm: %d %s", status, code)
	}
	<-a.killed
	killedAt := time.Now()
	var got orderJSON
	b.call("GET", "/api/v1/orders/"+itoa(o.ID), customer, nil, 200, &got)
	if got.Status != "paid" {
		t.Fatalf("order %s after the kill, want paid", got.Status)
	}
	// The screen on the living instance gets it from the workers' re-push
	// of unacknowledged orders (paid at least 5 s ago; a sweep every 5 s).
	if first := onB.nextOrder("order.created", 30*time.Second); first.ID != o.ID {
		t.Fatalf("the living screen got order %d, want %d", first.ID, o.ID)
	}
	t.Logf("the living screen got it %v after the kill", time.Since(killedAt).Round(100*time.Millisecond))
	// The screen reconnects (to the instance that lives) and gets it once.
	screen := dialWS(t, b, owner)
	if first := screen.nextOrder("order.created", 10*time.Second); first.ID != o.ID {
		t.Fatalf("welcome replayed order %d, want %d", first.ID, o.ID)
	}
	marker := placeOrder(t, b, customer, pid, item)
	if status, code, err := confirm(b, customer, marker, gw.checkout(marker), "kill-after-2"); err != nil || status != 200 {
		t.Fatalf("marker confirm: %d %s %v", status, code, err)
	}
	for _, w := range []*wsClient{screen, onB} {
		if next := w.nextOrder("order.created", 10*time.Second); next.ID != marker.ID {
			t.Fatalf("order %d shown again (want the marker %d next)", next.ID, marker.ID)
		}
	}
	if c := gw.fake.Charges(); c != 2 {
		t.Fatalf("charges %d, want 2", c)
	}
}

// TestInstanceKilledBeforeGatewayCall: the instance dies after claiming the
// payment and before calling the gateway. Nothing is charged; the other
// instance's reconciler finds the lease run out (store.ConfirmLease, 10 s),
// looks the payment up (nothing approved) and the customer's retry then
// pays, once. The payment is never stuck for the old 2 minutes.
func TestInstanceKilledBeforeGatewayCall(t *testing.T) {
	env := redisEnv(t)
	env["ILLUWA_DEMO_MOVERS"] = "0"
	gw := startGateway(t, env)
	a := startKillable(t, env, ordering.HookBeforeGateway, testKnobs{}, "--demo")
	b := startCtx(t, context.WithValue(context.Background(), knobsKey{}, testKnobs{paymentTimeout: 2 * time.Second}), env)
	owner := b.login("demo-owner-1", DemoPassword)
	customer := b.login("demo-customer", DemoPassword)
	pid, item := demoStallItem(t, b, owner, customer)
	screen := dialWS(t, b, owner)

	o := placeOrder(t, b, customer, pid, item)
	key := gw.checkout(o)
	if status, code, err := confirm(a.instance, customer, o, key, "kill-before-1"); err == nil {
		t.Fatalf("the killed instance answered the confirm: %d %s", status, code)
	}
	<-a.killed
	killedAt := time.Now()
	if c := gw.fake.Charges(); c != 0 {
		t.Fatalf("charged %d before any gateway call", c)
	}
	// The customer retries every second: "in progress" until the
	// reconciler has looked, then paid.
	for i := 0; ; i++ {
		status, code, err := confirm(b, customer, o, key, "kill-before-retry-"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		if status == 200 {
			break
		}
		if status != 409 || code != "in_progress" {
			t.Fatalf("retry %d: %d %s", i, status, code)
		}
		if time.Since(killedAt) > 60*time.Second {
			t.Fatal("the payment stayed in progress for a minute after the instance died")
		}
		time.Sleep(time.Second)
	}
	took := time.Since(killedAt)
	t.Logf("paid %v after the kill", took.Round(100*time.Millisecond))
	if n := gw.fake.Calls("/v1/payments/orders/" + o.PaymentOrderID); n < 1 {
		t.Fatal("the reconciler never looked the payment up")
	}
	if c := gw.fake.Charges(); c != 1 {
		t.Fatalf("charges %d, want 1", c)
	}
	if got := screen.nextOrder("order.created", 10*time.Second); got.ID != o.ID {
		t.Fatalf("owner got order %d, want %d", got.ID, o.ID)
	}
}

// TestDatabaseDownAfterGatewayApproval: the database stops just before the
// gateway call, so the gateway approves (the card is charged) and the
// settlement fails even after its in-request retries. The confirm answers
// 503; once the database is back, the reconciler finds the payment whose
// lease ran out, looks it up and makes the order paid within the lease
// (10 s) and a sweep, charged once, shown once on the owner's screen.
func TestDatabaseDownAfterGatewayApproval(t *testing.T) {
	db := storetest.StartMariaDB(t, "illuwa")
	env := map[string]string{"ILLUWA_DATABASE_URL": db.URL("illuwa"), "ILLUWA_DEMO_MOVERS": "0"}
	gw := startGateway(t, env)
	var once sync.Once
	in := startCtx(t, context.WithValue(context.Background(), knobsKey{}, testKnobs{paymentHook: func(p string, _ uint64) {
		if p == ordering.HookBeforeGateway {
			once.Do(db.Stop)
		}
	}}), env, "--demo")
	owner := in.login("demo-owner-1", DemoPassword)
	customer := in.login("demo-customer", DemoPassword)
	pid, item := demoStallItem(t, in, owner, customer)
	screen := dialWS(t, in, owner)
	o := placeOrder(t, in, customer, pid, item)

	status, code, err := confirm(in, customer, o, gw.checkout(o), "db-down-1")
	if err != nil || status != 503 {
		t.Fatalf("confirm with the database down: %d %s %v", status, code, err)
	}
	if c := gw.fake.Charges(); c != 1 {
		t.Fatalf("charges %d, want 1 (the gateway approved)", c)
	}
	time.Sleep(time.Second) // a while of outage
	db.Start()
	back := time.Now()
	got := screen.nextOrder("order.created", 60*time.Second)
	if got.ID != o.ID {
		t.Fatalf("owner got order %d, want %d", got.ID, o.ID)
	}
	took := time.Since(back)
	t.Logf("paid %v after the database came back", took.Round(100*time.Millisecond))
	var now orderJSON
	in.call("GET", "/api/v1/orders/"+itoa(o.ID), customer, nil, 200, &now)
	if now.Status != "paid" {
		t.Fatalf("order %s", now.Status)
	}
	// Shown once: the next order.created is a marker paid now.
	marker := placeOrder(t, in, customer, pid, item)
	if status, code, err := confirm(in, customer, marker, gw.checkout(marker), "db-down-2"); err != nil || status != 200 {
		t.Fatalf("marker confirm: %d %s %v", status, code, err)
	}
	if next := screen.nextOrder("order.created", 10*time.Second); next.ID != marker.ID {
		t.Fatalf("order %d shown again (want the marker %d next)", next.ID, marker.ID)
	}
	if c := gw.fake.Charges(); c != 2 {
		t.Fatalf("charges %d, want 2", c)
	}
}
