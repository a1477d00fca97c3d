package bridge

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial/enumerator"

	"github.com/illuwa/illuwa/hardware"
)

type running struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (r *running) stop() {
	r.cancel()
	<-r.done
}

func runBridge(t *testing.T, cfg Config) *running {
	t.Helper()
	out := io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	b, err := New(cfg, slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan struct{})}
	go func() {
		b.Run(ctx)
		close(r.done)
	}()
	t.Cleanup(r.stop)
	return r
}

// printer collects what the bridge prints on a pty.
type printer struct {
	mu   sync.Mutex
	data bytes.Buffer
}

func (p *printer) tickets() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Count(p.data.Bytes(), []byte("\x1b@"))
}

// TestBridgeNeverLosesOrRepeatsAnOrder runs the bridge between a fake
// server and a fake box on a pty through every fault: garbage on the line,
// the cable pulled and plugged again, the network dropped, the bridge
// killed and restarted. Every paid order is shown once and acknowledged to
// the server, buttons become order actions, cards become card messages, and
// the accepted orders are printed once each, across the restart too.
func TestBridgeNeverLosesOrRepeatsAnOrder(t *testing.T) {
	srv := newFakeServer(t)
	box := newFakeBox(t)
	pm, ps := rawPty(t)
	defer pm.Close()
	defer ps.Close()
	prn := &printer{}
	go func() {
		buf := make([]byte, 512)
		for {
			n, err := pm.Read(buf)
			if err != nil {
				return
			}
			prn.mu.Lock()
			prn.data.Write(buf[:n])
			prn.mu.Unlock()
		}
	}()
	cfg := Config{Port: box.path, Server: srv.srv.URL, Credentials: StaticToken("owner-token"), PochaID: 12,
		Printer: ps.Name(), StateDir: t.TempDir(), ReadyMinutes: 10, AckTimeout: 200 * time.Millisecond}
	br := runBridge(t, cfg)

	shows := func(n int) func() bool { return func() bool { return len(box.shownIDs()) >= n } }
	srv.pay()
	srv.pay()
	eventually(t, "two orders on the box", shows(2))
	eventually(t, "two acks", func() bool { a, _, _ := srv.snapshot(); return len(a) >= 2 })

	// Garbage and a truncated frame from the box: the bridge reads on.
	box.garbage([]byte("\x00noise\xff\x00\x07\x20\x01"))
	box.send(&hardware.Button{Button: hardware.ButtonAccept, OrderID: 1, ReadyInMinutes: 15})
	box.send(&hardware.Card{OrderID: 2, Token: hardware.CardToken(hardware.DefaultCardKey, []byte{1, 2, 3, 4})})
	eventually(t, "the accept", func() bool { _, a, _ := srv.snapshot(); return len(a) == 1 && a[0] == "accept 1" })
	eventually(t, "the card message", func() bool { _, _, c := srv.snapshot(); return c == 1 })
	eventually(t, "a ticket", func() bool { return prn.tickets() == 1 })
	if !strings.Contains(prn.data.String(), "#001") || !strings.Contains(prn.data.String(), "tteokboki") {
		t.Fatalf("ticket: %q", prn.data.String())
	}

	// The cable pulled; an order paid meanwhile shows when it is back.
	box.unplug()
	srv.pay()
	time.Sleep(300 * time.Millisecond)
	box.plug()
	eventually(t, "order 3 after the replug", shows(3))

	// The network dropped; an order paid meanwhile comes from the list.
	srv.dropConnections()
	srv.pay()
	eventually(t, "order 4 after the network came back", shows(4))

	// The bridge killed and restarted; order 1 (accepted) must not print again.
	br.stop()
	srv.pay()
	runBridge(t, cfg)
	eventually(t, "order 5 after the restart", shows(5))
	time.Sleep(500 * time.Millisecond)

	if got := joinIDs(box.shownIDs()); got != "1 2 3 4 5" {
		t.Fatalf("the box showed %q, want each of 1..5 once", got)
	}
	acks, _, _ := srv.snapshot()
	acked := map[uint64]bool{}
	for _, id := range acks {
		acked[id] = true
	}
	for id := uint64(1); id <= 5; id++ {
		if !acked[id] {
			t.Fatalf("order %d never acknowledged to the server (acks %v)", id, acks)
		}
	}
	if n := prn.tickets(); n != 1 {
		t.Fatalf("%d tickets for one accepted order", n)
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	accepted := false
	for _, w := range box.withdrawn {
		accepted = accepted || (w.ID == 1 && w.Reason == hardware.WithdrawAccepted)
	}
	if !accepted {
		t.Fatalf("the box was not told order 1 is accepted: %+v", box.withdrawn)
	}
}

func TestASCII(t *testing.T) {
	for in, want := range map[string]string{"떡볶이": "tteokboki", "순대 2": "sundae 2", "어묵\n꼬치": "eomuk kkochi", "café": "caf?"} {
		if got := ASCII(in); got != want {
			t.Errorf("ASCII(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPickPort(t *testing.T) {
	ports := []*enumerator.PortDetails{{Name: "/dev/ttyS0"}, {Name: "/dev/ttyUSB0", IsUSB: true, VID: "0403", PID: "6001"},
		{Name: "/dev/ttyACM0", IsUSB: true, VID: "2341", PID: "0043"}}
	if got, err := pickPort(ports, DefaultUSBIDs); err != nil || got != "/dev/ttyACM0" {
		t.Fatalf("pickPort: %q %v (want the Uno first)", got, err)
	}
	if _, err := pickPort(ports[:1], DefaultUSBIDs); err != ErrNoBox {
		t.Fatalf("no USB port: %v", err)
	}
}

// TestBridgeResyncWithdrawsAMissedCancellation: an order on the box is
// cancelled while the server's broker is away (no push reaches the bridge);
// on the server's orders.resync the bridge reads the orders again and the
// box is told the order is withdrawn (cancelled), once.
func TestBridgeResyncWithdrawsAMissedCancellation(t *testing.T) {
	srv := newFakeServer(t)
	box := newFakeBox(t)
	cfg := Config{Port: box.path, Server: srv.srv.URL, Credentials: StaticToken("owner-token"), PochaID: 12,
		StateDir: t.TempDir(), ReadyMinutes: 10, AckTimeout: 200 * time.Millisecond}
	runBridge(t, cfg)
	id := srv.pay()
	srv.pay()
	eventually(t, "two orders on the box", func() bool { return len(box.shownIDs()) >= 2 })
	srv.cancelQuietly(id)
	withdrawn := func() (n int) {
		box.mu.Lock()
		defer box.mu.Unlock()
		for _, w := range box.withdrawn {
			if w.ID == uint32(id) && w.Reason == hardware.WithdrawCancelled {
				n++
			}
		}
		return n
	}
	time.Sleep(300 * time.Millisecond)
	if withdrawn() != 0 {
		t.Fatal("withdrawn before anyone said so")
	}
	srv.resync()
	eventually(t, "the cancelled order withdrawn", func() bool { return withdrawn() == 1 })
	srv.resync() // a second resync changes nothing
	time.Sleep(300 * time.Millisecond)
	if n := withdrawn(); n != 1 {
		t.Fatalf("withdrawn %d times", n)
	}
	if got := box.shownIDs(); len(got) != 2 {
		t.Fatalf("shown %v", got)
	}
}
