package sim

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/illuwa/illuwa/hardware"
)

// host is a minimal host side for driving the firmware directly.
type host struct {
	t    *testing.T
	port serial.Port
	link *hardware.Link
	mu   sync.Mutex
	got  []hardware.Message
	cond chan struct{}
}

func openHost(t *testing.T, path string) *host {
	t.Helper()
	p, err := serial.Open(path, &serial.Mode{BaudRate: 115200})
	if err != nil {
		t.Fatal(err)
	}
	h := &host{t: t, port: p, link: hardware.NewLink(p, hardware.LinkOptions{Timeout: 500 * time.Millisecond, Retries: 10}), cond: make(chan struct{}, 100)}
	go h.link.Run(func(m hardware.Message) hardware.AckStatus {
		h.mu.Lock()
		h.got = append(h.got, m)
		h.mu.Unlock()
		h.cond <- struct{}{}
		return hardware.AckOK
	})
	t.Cleanup(func() { p.Close() })
	return h
}

func (h *host) send(m hardware.Message) hardware.AckStatus {
	h.t.Helper()
	st, err := h.link.Send(context.Background(), m)
	if err != nil {
		h.t.Fatalf("send %T: %v", m, err)
	}
	return st
}

// await waits for a message matching ok.
func (h *host) await(within time.Duration, what string, ok func(hardware.Message) bool) hardware.Message {
	h.t.Helper()
	deadline := time.After(within)
	for i := 0; ; {
		h.mu.Lock()
		for ; i < len(h.got); i++ {
			if ok(h.got[i]) {
				m := h.got[i]
				h.mu.Unlock()
				return m
			}
		}
		h.mu.Unlock()
		select {
		case <-h.cond:
		case <-deadline:
			h.t.Fatalf("no %s from the box within %v", what, within)
		}
	}
}

// TestFirmware drives the real firmware in the simulator over its pty: the
// boot announcement, the handshake, an order on the LCD with a beep, a
// repeated order dropped, buttons, a card tap with an opaque token, a payment
// result, a withdrawal, and garbage on the line.
func TestFirmware(t *testing.T) {
	box := Start(t, Options{})
	h := openHost(t, box.Port)
	hello := h.await(30*time.Second, "hello", func(m hardware.Message) bool { _, ok := m.(*hardware.Hello); return ok }).(*hardware.Hello)
	if hello.Version != hardware.ProtocolVersion || hello.Role != hardware.RoleBox || hello.Name != "illuwa-pos/1" {
		t.Fatalf("box hello: %+v", hello)
	}
	box.WaitLCD(20*time.Second, "waiting for host")
	if st := h.send(&hardware.Hello{Version: 1, Role: hardware.RoleHost, BootID: 7, Name: "test"}); st != hardware.AckOK {
		t.Fatalf("hello: %v", st)
	}
	box.WaitLCD(20*time.Second, "no orders")

	// Garbage and a truncated frame first: the box shrugs them off.
	h.link.WriteRaw([]byte("\x00garbage\xff\xfe\x00\x05\x10\x01"))
	h.link.WriteRaw([]byte{0})
	order := &hardware.Order{ID: 42, Pickup: 42, Total: 12000, Lines: 2, Summary: "2 tteokbokki +1"}
	if st := h.send(order); st != hardware.AckOK {
		t.Fatalf("order: %v", st)
	}
	if lcd := box.WaitLCD(20*time.Second, "#042 NEW"); lcd != "#042 NEW     1/1|12000 2 tteokbok" {
		t.Fatalf("LCD %q", lcd)
	}
	box.WaitFor(20*time.Second, "a beep", func() bool { return len(box.beeps) > 0 })
	if st := h.send(order); st != hardware.AckDuplicate {
		t.Fatalf("the same order again: %v", st)
	}
	if st := h.send(&hardware.Order{ID: 43, Pickup: 43, Total: 4000, Lines: 1, Summary: "1 eomuk"}); st != hardware.AckOK {
		t.Fatalf("second order: %v", st)
	}
	box.WaitLCD(20*time.Second, "#042 NEW     1/2")

	box.Press("accept")
	b := h.await(20*time.Second, "accept", func(m hardware.Message) bool { _, ok := m.(*hardware.Button); return ok }).(*hardware.Button)
	if b.Button != hardware.ButtonAccept || b.OrderID != 42 || b.ReadyInMinutes != 10 {
		t.Fatalf("button: %+v", b)
	}
	box.WaitLCD(20*time.Second, "#043 NEW     1/2")

	box.Tap(0xDEADBEEF)
	c := h.await(20*time.Second, "card", func(m hardware.Message) bool { _, ok := m.(*hardware.Card); return ok }).(*hardware.Card)
	if c.OrderID != 43 || c.Token != hardware.CardToken(hardware.DefaultCardKey, []byte{0xDE, 0xAD, 0xBE, 0xEF}) {
		t.Fatalf("card: %+v", c)
	}
	if st := h.send(&hardware.PaymentResult{OrderID: 43, Approved: true, Code: "DONE"}); st != hardware.AckOK {
		t.Fatalf("payment: %v", st)
	}
	box.WaitLCD(20*time.Second, "PAID #043")
	box.Untap()

	if st := h.send(&hardware.Withdraw{ID: 43, Reason: hardware.WithdrawCancelled}); st != hardware.AckOK {
		t.Fatalf("withdraw: %v", st)
	}
	box.WaitLCD(20*time.Second, "#042 COOKING 1/1")
	if st := h.send(&hardware.Order{ID: 43, Pickup: 43, Total: 4000, Lines: 1}); st != hardware.AckDuplicate {
		t.Fatalf("a withdrawn order shown again: %v", st)
	}
	box.Press("ready")
	b = h.await(20*time.Second, "ready", func(m hardware.Message) bool {
		b, ok := m.(*hardware.Button)
		return ok && b.Button == hardware.ButtonReady
	}).(*hardware.Button)
	if b.OrderID != 42 {
		t.Fatalf("ready: %+v", b)
	}
	box.WaitLCD(20*time.Second, "no orders")
	near := func(hz, want int) bool { return hz > want*95/100 && hz < want*105/100 }
	// Two new orders: the first beeps at 2000 Hz; the second may share its
	// beep when it arrives while the first still sounds (the simulator's clock
	// runs slower than the host's on a loaded machine). The duplicate and the
	// withdrawn order beep no more.
	beeps := box.Beeps()
	newBeeps := 0
	for _, hz := range beeps {
		if near(hz, 2000) {
			newBeeps++
		}
	}
	if len(beeps) < 5 || !near(beeps[0], 2000) || newBeeps < 1 || newBeeps > 2 {
		t.Fatalf("beeps %v: want the first at 2000 Hz, and one or two at 2000 Hz in all for the two new orders", beeps)
	}
	for _, l := range box.History() {
		if strings.HasPrefix(l, "#043 NEW") && strings.Contains(strings.Join(box.History(), "\n"), "#043 NEW     1/1") {
			t.Fatalf("the withdrawn order came back: %q", l)
		}
	}
	t.Logf("link stats %+v, beeps %v", h.link.Stats(), box.Beeps())
}
