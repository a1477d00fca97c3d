package bridge

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/hardware"
)

// order is an order as the server's API returns it (the fields the box needs).
type order struct {
	ID             uint64 `json:"id"`
	PochaID        uint64 `json:"pocha_id"`
	Status         string `json:"status"`
	PayAtStall     bool   `json:"pay_at_stall"`
	Total          int64  `json:"total"`
	ReadyInMinutes *int   `json:"ready_in_minutes"`
	Items          []struct {
		Name      string `json:"name"`
		Quantity  int    `json:"quantity"`
		LineTotal int64  `json:"line_total"`
	} `json:"items"`
}

// pickup is the number called out at the stall: the order id's last three digits.
func (o *order) pickup() int { return int(o.ID % 1000) }

// frame is the Order frame that shows o on the box.
func (o *order) frame() *hardware.Order {
	parts := make([]string, 0, len(o.Items))
	for _, it := range o.Items {
		parts = append(parts, fmt.Sprintf("%d %s", it.Quantity, ASCII(it.Name)))
	}
	state := hardware.OrderNew
	if o.Status == "accepted" {
		state = hardware.OrderAccepted
	}
	lines := len(o.Items)
	if lines > 255 {
		lines = 255
	}
	total := o.Total
	if total < 0 || total > 1<<32-1 {
		total = 0
	}
	return &hardware.Order{ID: uint32(o.ID), Pickup: uint16(o.pickup()), Total: uint32(total), Lines: uint8(lines),
		State: state, Summary: strings.Join(parts, ", ")}
}

// serverLoop keeps a WebSocket to the server, reconnecting with exponential
// back-off (0.5 s doubling to 30 s, with jitter; at once after a 1001).
func (b *Bridge) serverLoop(ctx context.Context) {
	backoff := 500 * time.Millisecond
	for ctx.Err() == nil {
		began := time.Now()
		err := b.runServer(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > 30*time.Second {
			backoff = 500 * time.Millisecond
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		if websocket.IsCloseError(err, websocket.CloseGoingAway) {
			wait = 0
		}
		b.log.Warn("pos-bridge: server connection lost; reconnecting", "err", err, "in", wait.String())
		sleep(ctx, wait)
		if backoff *= 2; backoff > 30*time.Second {
			backoff = 30 * time.Second
		}
	}
}

// runServer is one WebSocket connection: hello, flush the pending acks, list
// the open orders, then read pushes until the connection fails.
func (b *Bridge) runServer(ctx context.Context) error {
	token, err := b.cfg.Credentials.Token(ctx)
	if err != nil {
		return err
	}
	u := "ws" + strings.TrimPrefix(b.cfg.Server, "http") + "/ws"
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, res, err := dialer.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if res != nil && res.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("the server refused the token (401): %w", err)
		}
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetReadLimit(1 << 20)
	conn.SetReadDeadline(time.Now().Add(75 * time.Second))
	conn.SetPingHandler(func(data string) error {
		conn.SetReadDeadline(time.Now().Add(75 * time.Second))
		b.wsMu.Lock()
		defer b.wsMu.Unlock()
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
	})
	var hello struct{ Type, Role string }
	if err := conn.ReadJSON(&hello); err != nil || hello.Type != "hello" {
		return fmt.Errorf("no hello from the server: %v", err)
	}
	b.log.Info("pos-bridge: connected to the server", "role", hello.Role)
	b.wsMu.Lock()
	b.ws = conn
	b.wsMu.Unlock()
	defer func() {
		b.wsMu.Lock()
		if b.ws == conn {
			b.ws = nil
		}
		b.wsMu.Unlock()
	}()
	b.flushAcks()
	go b.syncOrders(ctx)
	if hello.Role == "device" {
		go b.heartbeats(ctx, conn)
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		conn.SetReadDeadline(time.Now().Add(75 * time.Second))
		var msg struct {
			Type     string `json:"type"`
			Order    *order `json:"order"`
			OrderID  uint64 `json:"order_id"`
			Approved bool   `json:"approved"`
			Code     string `json:"code"`
			Message  string `json:"message"`
		}
		if json.Unmarshal(data, &msg) != nil {
			continue
		}
		switch msg.Type {
		case "order.created", "order.updated":
			if msg.Order != nil {
				b.applyOrder(*msg.Order)
			}
		case "orders.resync":
			// The server lost its broker for a while: pushes (a cancellation,
			// say) may be lost. Read the open orders and every tracked one again.
			go b.syncOrders(ctx)
		case "payment.result":
			b.applyPayment(hardware.PaymentResult{OrderID: uint32(msg.OrderID), Approved: msg.Approved, Code: ASCII(msg.Code)})
		case "error":
			b.log.Debug("pos-bridge: the server answered an error", "code", msg.Code, "message", msg.Message)
		}
	}
}

// heartbeats tells the server the box is online every 15 s while conn is
// the current connection.
func (b *Bridge) heartbeats(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		b.wsMu.Lock()
		current := b.ws == conn
		b.wsMu.Unlock()
		if !current || !b.sendWS(map[string]string{"type": "heartbeat"}) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// flushAcks acknowledges the orders the box showed while the server was away.
func (b *Bridge) flushAcks() {
	b.mu.Lock()
	var ids []uint64
	for id, t := range b.orders {
		if t.shownIn == b.session && t.shownIn != 0 && !t.acked && t.o.ackable() {
			ids = append(ids, id)
		}
	}
	b.mu.Unlock()
	for _, id := range ids {
		if b.sendWS(map[string]any{"type": "ack", "order_id": id}) {
			b.mu.Lock()
			if t := b.orders[id]; t != nil {
				t.acked = true
			}
			b.mu.Unlock()
		}
	}
}

// syncOrders lists the open orders: what was paid or accepted while the
// bridge was away and is no longer pushed.
func (b *Bridge) syncOrders(ctx context.Context) {
	listed := map[uint64]bool{}
	for _, status := range []string{"paid", "accepted"} {
		q := "/api/v1/orders?limit=100&status=" + status
		if b.cfg.PochaID != 0 {
			q += "&pocha_id=" + strconv.FormatUint(b.cfg.PochaID, 10)
		}
		code, data, err := b.call(ctx, http.MethodGet, q, nil)
		if err != nil || code != http.StatusOK {
			b.log.Warn("pos-bridge: listing open orders failed", "status", code, "err", err)
			return
		}
		var page struct{ Items []order }
		if err := json.Unmarshal(data, &page); err != nil {
			b.log.Warn("pos-bridge: listing open orders", "err", err)
			return
		}
		for _, o := range page.Items {
			listed[o.ID] = true
			b.applyOrder(o)
		}
	}
	// An order the box shows that is no longer paid or accepted changed
	// while its push was lost (cancelled, ready): read it on its own.
	b.mu.Lock()
	var stale []uint64
	for id := range b.orders {
		if !listed[id] {
			stale = append(stale, id)
		}
	}
	b.mu.Unlock()
	for _, id := range stale {
		code, data, err := b.call(ctx, http.MethodGet, "/api/v1/orders/"+strconv.FormatUint(id, 10), nil)
		if err != nil || code != http.StatusOK {
			continue
		}
		var o order
		if json.Unmarshal(data, &o) == nil && o.ID == id {
			b.applyOrder(o)
		}
	}
}

// sendWS writes one message on the current WebSocket; false if there is none
// or the write failed.
func (b *Bridge) sendWS(v any) bool {
	b.wsMu.Lock()
	defer b.wsMu.Unlock()
	if b.ws == nil {
		return false
	}
	b.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := b.ws.WriteJSON(v); err != nil {
		b.ws.Close()
		return false
	}
	return true
}

// sendCard forwards a tap as the `card` message. A tap asks to pay now: it is
// not kept for later if the server is away.
func (b *Bridge) sendCard(c hardware.Card) {
	if !b.sendWS(map[string]any{"type": "card", "token": hex.EncodeToString(c.Token[:]), "order_id": c.OrderID}) {
		b.log.Warn("pos-bridge: a card tap was dropped: no server connection", "order", c.OrderID)
	}
}

// actionLoop turns the box's buttons into the order actions of the HTTP API,
// retrying while the server is unreachable. A repeat (the same button on the
// same order) is done once.
func (b *Bridge) actionLoop(ctx context.Context) {
	type key struct {
		id  uint32
		btn hardware.ButtonKind
	}
	done := map[key]bool{}
	for {
		var a hardware.Button
		select {
		case <-ctx.Done():
			return
		case a = <-b.actions:
		}
		k := key{a.OrderID, a.Button}
		if done[k] {
			continue
		}
		path := fmt.Sprintf("/api/v1/orders/%d/%s", a.OrderID, a.Button)
		var body any
		switch a.Button {
		case hardware.ButtonAccept:
			minutes := int(a.ReadyInMinutes)
			if minutes < 1 || minutes > 180 {
				minutes = b.cfg.ReadyMinutes
			}
			body = map[string]int{"ready_in_minutes": minutes}
		case hardware.ButtonReject:
			body = map[string]string{"reason": "rejected at the stall"}
		}
		for backoff := time.Second; ctx.Err() == nil; backoff = min(2*backoff, 30*time.Second) {
			code, data, err := b.call(ctx, http.MethodPost, path, body)
			if err == nil && code < 500 && code != http.StatusTooManyRequests {
				if code >= 300 {
					b.log.Warn("pos-bridge: the server refused a button", "button", a.Button.String(), "order", a.OrderID,
						"status", code, "body", string(data))
				} else {
					b.log.Info("pos-bridge: button done", "button", a.Button.String(), "order", a.OrderID)
				}
				done[k] = true
				break
			}
			b.log.Warn("pos-bridge: button not delivered yet; retrying", "button", a.Button.String(), "order", a.OrderID,
				"status", code, "err", err)
			sleep(ctx, backoff)
		}
	}
}

// call sends one API request with the bridge's token.
func (b *Bridge) call(ctx context.Context, method, path string, body any) (int, []byte, error) {
	token, err := b.cfg.Credentials.Token(ctx)
	if err != nil {
		return 0, nil, err
	}
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.cfg.Server+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, data, err
}

// printLoop prints one ticket per accepted order, at most once (the journal).
func (b *Bridge) printLoop(ctx context.Context) {
	if b.cfg.Printer == "" {
		return
	}
	var port io.ReadWriteCloser
	defer func() {
		if port != nil {
			port.Close()
		}
	}()
	for {
		var o order
		select {
		case <-ctx.Done():
			return
		case o = <-b.prints:
		}
		ok, err := b.jr.claim(o.ID)
		if err != nil || !ok {
			if err != nil {
				b.log.Error("pos-bridge: journal", "err", err)
			}
			continue
		}
		printed := false
		for ctx.Err() == nil && !printed {
			if port == nil {
				if port, err = b.OpenPrinter(b.cfg.Printer); err != nil {
					port = nil
					b.log.Warn("pos-bridge: printer not reachable; retrying", "err", err)
					sleep(ctx, 2*time.Second)
					continue
				}
			}
			n, err := port.Write(ticket(&o, time.Now()))
			if err == nil {
				b.log.Info("pos-bridge: ticket printed", "order", o.ID)
				printed = true
				break
			}
			port.Close()
			port = nil
			if n > 0 {
				// Part of it printed: printing again could make two. Leave it.
				b.log.Error("pos-bridge: a ticket was cut off; not printing it again", "order", o.ID, "err", err)
				printed = true
				break
			}
			sleep(ctx, 2*time.Second)
		}
		if !printed {
			// Stopped before it printed: release it for the next start.
			b.jr.release(o.ID)
			return
		}
	}
}

// ackable reports whether the server expects an ack once the box shows o:
// a paid order, or one to be paid at the stall.
func (o *order) ackable() bool {
	return o.Status == "paid" || (o.Status == "pending_payment" && o.PayAtStall)
}
