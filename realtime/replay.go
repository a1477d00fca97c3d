package realtime

import (
	"context"
	"sync"
)

// replayOrders runs after a broker Resync, when pushes published while the
// broker was away may have been lost: every signed-in WebSocket connection
// whose Inbound is a Welcomer is sent its welcome again (for owner screens
// and POS devices, the orders they have not acknowledged; repeats of orders
// already queued on the connection are skipped, see duplicateLocked), and
// every signed-in connection (POS devices and in-process streams too) gets
// "orders.resync", a nudge to re-read its open orders. Options.ResyncWorkers connections are served at once.
func (h *Hub) replayOrders(ctx context.Context) {
	h.mu.RLock()
	var signedIn []*conn
	for c := range h.conns {
		if c.who.UserID != 0 { // WebSocket connections, POS devices and streams
			signedIn = append(signedIn, c)
		}
	}
	h.mu.RUnlock()
	jobs := make(chan *conn)
	var wg sync.WaitGroup
	for range h.opts.ResyncWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				h.replayTo(ctx, c)
			}
		}()
	}
	for _, c := range signedIn {
		select {
		case jobs <- c:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
}

func (h *Hub) replayTo(ctx context.Context, c *conn) {
	if w, ok := c.in.(Welcomer); ok {
		msgs, err := w.Welcome(ctx, c.who)
		if err != nil {
			h.metrics.resyncReplays.WithLabelValues("failed").Inc()
		} else {
			h.metrics.resyncReplays.WithLabelValues("replayed").Inc()
		}
		for _, m := range msgs {
			c.send(m)
		}
	}
	c.send(OrdersResyncMessage{Type: TypeOrdersResync, ServerTime: now()})
}
