package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/toss/tossfake"
	"github.com/illuwa/illuwa/hardware/sim"
)

// runBridge runs `illuwa pos-bridge` in-process against server with a state
// directory, with extra flags (--pair CODE); no owner token: it runs on the
// device token that pairing stored. stop ends it (the test's end too).
func runBridge(t *testing.T, server, port string, pid uint64, state string, extra ...string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	args := append([]string{"pos-bridge", "--port", port, "--server", server, "--pocha", fmt.Sprint(pid),
		"--state-dir", state, "--log-level", "debug"}, extra...)
	go func() { done <- Run(ctx, args, func(string) string { return "" }, out, out) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				t.Errorf("pos-bridge returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("pos-bridge did not stop within 10 s")
		}
	}
	t.Cleanup(stop)
	return stop
}

// newOrderBeeps counts the box's new-order beeps (2 kHz): one per order
// the box took as new, so a count above the orders means one shown twice.
func newOrderBeeps(box *sim.Box) int {
	n := 0
	for _, hz := range box.Beeps() {
		if hz > 1900 && hz < 2100 {
			n++
		}
	}
	return n
}

// shownOnce asserts that the box holds exactly these orders as new, oldest
// first (paging through them with the next button), that its count of
// orders never went above them (an order taken twice counts twice), and
// that it beeped for a new order no more often than there are orders (two
// arriving close together may share one beep).
func shownOnce(t *testing.T, box *sim.Box, ids ...uint64) {
	t.Helper()
	time.Sleep(2 * time.Second) // let any replay arrive
	for i, id := range ids {
		if i > 0 {
			box.Press("next")
		}
		tag, page := fmt.Sprintf("#%03d NEW", id%1000), fmt.Sprintf("%d/%d", i+1, len(ids))
		box.WaitLCD(20*time.Second, tag+strings.Repeat(" ", max(1, 16-len(tag)-len(page)))+page+"|")
	}
	for _, h := range box.History() {
		row, _, _ := strings.Cut(h, "|")
		if _, of, ok := strings.Cut(row, "/"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(of)); err == nil && n > len(ids) {
				t.Errorf("the box counted %d orders of %d: %q (history %q)", n, len(ids), h, box.History())
			}
		}
	}
	if n := newOrderBeeps(box); n < 1 || n > len(ids) {
		t.Errorf("%d new-order beeps for %d orders (beeps %v, history %q)", n, len(ids), box.Beeps(), box.History())
	}
}

// TestPOSPairedPayAtStall: the owner makes a pairing code, the bridge pairs
// with it and runs on the device token (the owner sees the box online); an
// order to be paid at the stall shows on the simulated box; a tap of a card
// whose charge is declined shows DECLINED and leaves it unpaid; a tap of
// the customer's registered card pays it and shows PAID; the box takes it
// as new once.
func TestPOSPairedPayAtStall(t *testing.T) {
	sim.Require(t)
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0"}, "--demo")
	s := demoStall(t, in)
	const good, exhausted = 0xA1B2C3D4, 0x0BADCAFE
	s.registerCard(t, in, tossfake.ApprovedCard, good)
	s.registerCard(t, in, tossfake.ExhaustedCard, exhausted)

	box := sim.Start(t, sim.Options{})
	state := t.TempDir()
	runBridge(t, in.base, box.Port, s.pid, state, "--pair", s.pairingCode(t, in))
	box.WaitLCD(30*time.Second, "no orders")
	if _, err := os.Stat(state + "/device-token"); err != nil {
		t.Fatalf("the bridge kept no device token: %v", err)
	}
	waitUntil(t, 20*time.Second, "the box online", func() bool {
		d := s.devices(t, in)
		return len(d.Items) == 1 && d.Items[0].Online && d.POSOnline && d.AcceptingOrders
	})

	o := s.orderAtStall(t, in, 2)
	box.WaitLCD(30*time.Second, fmt.Sprintf("#%03d NEW", o.ID%1000))
	box.Tap(exhausted)
	box.WaitLCD(30*time.Second, fmt.Sprintf("DECLINED #%03d", o.ID%1000))
	box.Untap()
	if st := s.status(t, in, o.ID); st != "pending_payment" {
		t.Fatalf("after a declined tap the order is %s", st)
	}
	box.WaitLCD(30*time.Second, fmt.Sprintf("#%03d NEW", o.ID%1000))
	box.Tap(good)
	box.WaitLCD(30*time.Second, fmt.Sprintf("PAID #%03d", o.ID%1000))
	box.Untap()
	waitUntil(t, 20*time.Second, "the order paid", func() bool { return s.status(t, in, o.ID) == "paid" })
	shownOnce(t, box, o.ID)
}

// TestPOSServerRestart: the server stops and a new instance starts on the
// same database and address; an order paid while the bridge was down before
// the restart, and one paid after it, both appear; the one shown before is
// not shown again.
func TestPOSServerRestart(t *testing.T) {
	sim.Require(t)
	addr := freeAddr(t)
	env := map[string]string{"ILLUWA_DEMO_MOVERS": "0", "ILLUWA_ADDR": addr, "ILLUWA_DATA_DIR": t.TempDir()}
	in := start(t, env, "--demo")
	s := demoStall(t, in)
	box := sim.Start(t, sim.Options{})
	state := t.TempDir()
	stop := runBridge(t, in.base, box.Port, s.pid, state, "--pair", s.pairingCode(t, in))
	box.WaitLCD(30*time.Second, "no orders")
	o1 := payOrder(t, in, s.customer, s.pid, s.item, 1)
	box.WaitLCD(30*time.Second, fmt.Sprintf("#%03d NEW", o1.ID%1000))

	stop()
	o2 := payOrder(t, in, s.customer, s.pid, s.item, 2)
	in.stop()
	in = start(t, env, "--demo")
	runBridge(t, in.base, box.Port, s.pid, state)
	box.WaitLCD(30*time.Second, "1/2")
	o3 := payOrder(t, in, s.customer, s.pid, s.item, 3)
	box.WaitLCD(30*time.Second, "1/3")
	if o1.ID == o2.ID || o2.ID == o3.ID {
		t.Fatalf("order ids repeat: %d %d %d", o1.ID, o2.ID, o3.ID)
	}
	shownOnce(t, box, o1.ID, o2.ID, o3.ID)
}

// TestPOSRevokedDevice: the owner revokes the box's device token; the
// server refuses the token and the bridge gets no more orders; paired
// again with a new code, the box gets what was paid meanwhile, and nothing
// twice.
func TestPOSRevokedDevice(t *testing.T) {
	sim.Require(t)
	in := start(t, map[string]string{"ILLUWA_DEMO_MOVERS": "0"}, "--demo")
	s := demoStall(t, in)
	box := sim.Start(t, sim.Options{})
	state := t.TempDir()
	stop := runBridge(t, in.base, box.Port, s.pid, state, "--pair", s.pairingCode(t, in))
	box.WaitLCD(30*time.Second, "no orders")
	o1 := payOrder(t, in, s.customer, s.pid, s.item, 1)
	box.WaitLCD(30*time.Second, fmt.Sprintf("#%03d NEW", o1.ID%1000))

	d := s.devices(t, in)
	if len(d.Items) != 1 {
		t.Fatalf("devices: %+v", d)
	}
	in.call("DELETE", "/api/v1/pochas/"+itoa(s.pid)+"/devices/"+itoa(d.Items[0].ID), s.owner, nil, 204, nil)
	tok, err := os.ReadFile(state + "/device-token")
	if err != nil {
		t.Fatal(err)
	}
	in.call("GET", "/api/v1/orders?status=paid", strings.TrimSpace(string(tok)), nil, 401, nil)
	waitUntil(t, 30*time.Second, "the revoked box offline", func() bool { d := s.devices(t, in); return !d.POSOnline })

	o2 := payOrder(t, in, s.customer, s.pid, s.item, 2)
	time.Sleep(3 * time.Second) // what a revoked bridge would show by now
	for _, h := range box.History() {
		if strings.HasPrefix(h, fmt.Sprintf("#%03d ", o2.ID%1000)) {
			t.Fatalf("the revoked box showed order %d: %q", o2.ID, box.History())
		}
	}

	stop()
	runBridge(t, in.base, box.Port, s.pid, state, "--pair", s.pairingCode(t, in))
	box.WaitLCD(30*time.Second, "1/2")
	shownOnce(t, box, o1.ID, o2.ID)
}

// TestPOSSecondInstance: two instances on one MariaDB and one Redis; the
// box's bridge is on instance A, the orders are paid on instance B, and
// each appears once.
func TestPOSSecondInstance(t *testing.T) {
	sim.Require(t)
	env := redisEnv(t)
	env["ILLUWA_DEMO_MOVERS"] = "0"
	a := start(t, env, "--demo")
	b := start(t, env, "--demo")
	s := demoStall(t, a)
	box := sim.Start(t, sim.Options{})
	runBridge(t, a.base, box.Port, s.pid, t.TempDir(), "--pair", s.pairingCode(t, a))
	box.WaitLCD(30*time.Second, "no orders")
	waitUntil(t, 20*time.Second, "the box online on B", func() bool { return s.devices(t, b).POSOnline })
	o1 := payOrder(t, b, s.customer, s.pid, s.item, 1)
	box.WaitLCD(30*time.Second, fmt.Sprintf("#%03d NEW", o1.ID%1000))
	o2 := payOrder(t, b, s.customer, s.pid, s.item, 2)
	box.WaitLCD(30*time.Second, "1/2")
	shownOnce(t, box, o1.ID, o2.ID)
	box.Press("accept") // the one shown: the newer
	waitUntil(t, 20*time.Second, "accepted on B", func() bool { return s.status(t, b, o2.ID) == "accepted" })
}

// freeAddr is a loopback address free now, for an instance that restarts
// on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitUntil polls cond every 200 ms until it holds.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(within); ; time.Sleep(200 * time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("waiting for %s: not within %v", what, within)
		}
	}
}
