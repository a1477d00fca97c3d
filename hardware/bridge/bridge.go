// Package bridge is `illuwa pos-bridge`: it runs beside a POS box, speaks the
// serial protocol of package hardware to it, and speaks to an illuwa server
// over HTTP and WebSocket only, as a client would (it imports no server
// package).
//
// Orders are a log: the bridge learns of paid orders from the WebSocket
// (order.created, replayed by the server until acknowledged) and from the
// order list at every connection, shows each on the box, and acknowledges it
// to the server (`ack`) only after the box acknowledged it on the display.
// The box drops an order id it already has, so the bridge can replay freely:
// after a reconnect of either side, every open order is offered again and
// none is shown twice.
package bridge

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/hardware"
)

// Bridge connects one box to one server. Run it with Run.
type Bridge struct {
	cfg  Config
	log  *slog.Logger
	http *http.Client
	// OpenPort opens the box's port; tests replace it. Default: OpenSerial at 115200.
	OpenPort func(path string) (io.ReadWriteCloser, error)
	// OpenPrinter opens the printer's port. Default: OpenSerial at Config.PrinterBaud.
	OpenPrinter func(path string) (io.ReadWriteCloser, error)

	mu        sync.Mutex
	orders    map[uint64]*tracked
	gone      map[uint64]bool // cancelled or finished: never offered again
	withdraws []hardware.Withdraw
	payments  []hardware.PaymentResult
	session   uint64 // the box session; bumped at every port open and box Hello
	kick      chan struct{}

	wsMu sync.Mutex
	ws   *websocket.Conn

	actions chan hardware.Button
	prints  chan order
	jr      *journal
}

// tracked is an open order the box should show.
type tracked struct {
	o       order
	shownIn uint64 // the box session that acknowledged it (0: none yet)
	busy    bool   // the box was full: wait for a slot
	acked   bool   // acknowledged to the server
}

// New returns a bridge for cfg (see Config.Check).
func New(cfg Config, log *slog.Logger) (*Bridge, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	jr, err := openJournal(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	b := &Bridge{
		cfg: cfg, log: log, http: &http.Client{Timeout: 15 * time.Second},
		orders: map[uint64]*tracked{}, gone: map[uint64]bool{}, kick: make(chan struct{}, 1),
		actions: make(chan hardware.Button, 64), prints: make(chan order, 64), jr: jr,
	}
	b.OpenPort = func(path string) (io.ReadWriteCloser, error) { return OpenSerial(path, 115200) }
	b.OpenPrinter = func(path string) (io.ReadWriteCloser, error) { return OpenSerial(path, cfg.PrinterBaud) }
	return b, nil
}

// Run runs the bridge until ctx ends: the box side (reopening the port when
// the cable is pulled), the server side (reconnecting when the network
// drops), the button actions and the printer.
func (b *Bridge) Run(ctx context.Context) error {
	defer b.jr.close()
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){b.boxLoop, b.serverLoop, b.actionLoop, b.printLoop} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loop(ctx)
		}()
	}
	wg.Wait()
	return nil
}

func (b *Bridge) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// ---- what the server says ---------------------------------------------------------

// applyOrder takes an order as the server sent or listed it.
func (b *Bridge) applyOrder(o order) {
	if b.cfg.PochaID != 0 && o.PochaID != b.cfg.PochaID {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.wake()
	if b.gone[o.ID] {
		return
	}
	t := b.orders[o.ID]
	status := o.Status
	if status == "pending_payment" && o.PayAtStall {
		status = "paid" // shown to be paid by a tap at the stall
	}
	switch status {
	case "paid", "accepted":
		if t == nil {
			t = &tracked{}
			b.orders[o.ID] = t
		}
		was := t.o.Status
		t.o = o
		if o.Status == "accepted" && was != "accepted" {
			// The box may hold it as new (from before a restart): say so.
			b.withdraws = append(b.withdraws, hardware.Withdraw{ID: uint32(o.ID), Reason: hardware.WithdrawAccepted})
			if b.cfg.Printer != "" {
				select {
				case b.prints <- o:
				default:
					b.log.Warn("pos-bridge: print queue full", "order", o.ID)
				}
			}
		}
	case "cancelled", "ready", "completed":
		reason := hardware.WithdrawDone
		if o.Status == "cancelled" {
			reason = hardware.WithdrawCancelled
		}
		b.withdraws = append(b.withdraws, hardware.Withdraw{ID: uint32(o.ID), Reason: reason})
		delete(b.orders, o.ID)
		b.gone[o.ID] = true
	}
}

func (b *Bridge) applyPayment(p hardware.PaymentResult) {
	b.mu.Lock()
	b.payments = append(b.payments, p)
	b.mu.Unlock()
	b.wake()
}

// ---- what the box gets ---------------------------------------------------------------------

// work is the next frame for the box, with what to do once it is acknowledged.
type work struct {
	msg  hardware.Message
	done func(hardware.AckStatus)
}

// next picks the next frame for the box in this session: withdrawals,
// payment results, then open orders not yet shown in it, oldest first.
func (b *Bridge) next(session uint64) (work, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.withdraws) > 0 {
		w := b.withdraws[0]
		return work{msg: &w, done: func(hardware.AckStatus) {
			b.mu.Lock()
			if len(b.withdraws) > 0 && b.withdraws[0] == w {
				b.withdraws = b.withdraws[1:]
			}
			for _, t := range b.orders {
				t.busy = false // a slot may have been freed
			}
			b.mu.Unlock()
		}}, true
	}
	if len(b.payments) > 0 {
		p := b.payments[0]
		return work{msg: &p, done: func(hardware.AckStatus) {
			b.mu.Lock()
			if len(b.payments) > 0 && b.payments[0] == p {
				b.payments = b.payments[1:]
			}
			b.mu.Unlock()
		}}, true
	}
	ids := make([]uint64, 0, len(b.orders))
	for id, t := range b.orders {
		if t.shownIn != session && !t.busy {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return work{}, false
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	id := ids[0]
	msg := b.orders[id].o.frame()
	return work{msg: msg, done: func(st hardware.AckStatus) {
		b.mu.Lock()
		t := b.orders[id]
		if t == nil {
			b.mu.Unlock()
			return
		}
		switch st {
		case hardware.AckOK, hardware.AckDuplicate:
			t.shownIn = session
		case hardware.AckBusy:
			t.busy = true
		default:
			b.log.Error("pos-bridge: the box refused an order", "order", id)
			t.shownIn = session
		}
		ack := t.shownIn == session && !t.acked && t.o.ackable()
		b.mu.Unlock()
		if ack && b.sendWS(map[string]any{"type": "ack", "order_id": id}) {
			b.mu.Lock()
			t.acked = true
			b.mu.Unlock()
		}
	}}, true
}

// newSession forgets what the box showed: everything open is offered again
// (the box drops the ids it has).
func (b *Bridge) newSession() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.session++
	for _, t := range b.orders {
		t.busy = false
	}
	return b.session
}

func (b *Bridge) currentSession() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.session
}

// boxLoop keeps a session with the box, reopening the port after any failure.
func (b *Bridge) boxLoop(ctx context.Context) {
	var lastErr string
	for ctx.Err() == nil {
		path := b.cfg.Port
		var err error
		if path == "" {
			path, err = FindBox(b.cfg.USBIDs)
		}
		var rw io.ReadWriteCloser
		if err == nil {
			rw, err = b.OpenPort(path)
		}
		if err != nil {
			if err.Error() != lastErr {
				b.log.Warn("pos-bridge: box not reachable; retrying", "port", path, "err", err)
				lastErr = err.Error()
			}
			sleep(ctx, 500*time.Millisecond)
			continue
		}
		lastErr = ""
		b.log.Info("pos-bridge: port open", "port", path)
		err = b.runBox(ctx, rw)
		rw.Close()
		if ctx.Err() == nil {
			b.log.Warn("pos-bridge: box session ended; reopening", "err", err)
			sleep(ctx, 300*time.Millisecond)
		}
	}
}

// runBox runs one session over an open port until the link fails.
func (b *Bridge) runBox(ctx context.Context, rw io.ReadWriteCloser) error {
	link := hardware.NewLink(rw, hardware.LinkOptions{Timeout: b.cfg.AckTimeout, Retries: 8})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		rw.Close() // ends link.Run
	}()
	go func() {
		err := link.Run(b.onBoxMessage)
		b.log.Debug("pos-bridge: box link ended", "err", err)
		cancel()
	}()
	defer func() {
		st := link.Stats()
		b.log.Info("pos-bridge: box session stats", "sent", st.Sent, "retransmits", st.Retransmits, "received", st.Received,
			"duplicates", st.Duplicates, "malformed", st.Malformed, "refused", st.Refused)
	}()
	b.newSession()
	var boot [2]byte
	rand.Read(boot[:])
	st, err := link.Send(ctx, &hardware.Hello{Version: hardware.ProtocolVersion, Role: hardware.RoleHost,
		BootID: binary.BigEndian.Uint16(boot[:]), Name: b.cfg.Name})
	if err != nil {
		return err
	}
	if st != hardware.AckOK {
		return errors.New("pos-bridge: the box refused our hello (another protocol version?)")
	}
	ping := time.NewTimer(2 * time.Second)
	defer ping.Stop()
	for {
		session := b.currentSession()
		if w, ok := b.next(session); ok {
			st, err := link.Send(ctx, w.msg)
			if err != nil {
				return err
			}
			if b.currentSession() == session {
				w.done(st)
			}
			continue
		}
		if !ping.Stop() {
			select {
			case <-ping.C:
			default:
			}
		}
		ping.Reset(2 * time.Second)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.kick:
		case <-ping.C:
			if _, err := link.Send(ctx, &hardware.Ping{}); err != nil {
				return err
			}
		}
	}
}

// onBoxMessage handles what the box sends (on the link's reader: it must not block long).
func (b *Bridge) onBoxMessage(m hardware.Message) hardware.AckStatus {
	switch m := m.(type) {
	case *hardware.Hello:
		if m.Version != hardware.ProtocolVersion || m.Role != hardware.RoleBox {
			b.log.Error("pos-bridge: the box speaks another protocol", "version", m.Version, "name", m.Name)
			return hardware.AckRefused
		}
		b.log.Info("pos-bridge: box says hello", "boot", m.BootID, "name", m.Name)
		b.newSession()
		b.wake()
	case *hardware.Ping:
	case *hardware.Button:
		select {
		case b.actions <- *m:
		default:
			return hardware.AckBusy // the box sends it again
		}
	case *hardware.Card:
		go b.sendCard(*m)
	case *hardware.Error:
		b.log.Warn("pos-bridge: the box reports a problem", "code", m.Code, "detail", m.Detail)
	default:
		return hardware.AckRefused
	}
	return hardware.AckOK
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
