package realtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// psConn is one subscription connection of a RedisBroker: its channels, its
// receive loop (the only reader of the connection) and the barrier pings
// that confirm (un)subscribes. On Redis Cluster it carries the channels of
// one group, all in one hash slot, to that slot's master.
type psConn struct {
	b      *RedisBroker
	open   func(ctx context.Context, chans []string) *redis.PubSub
	anchor string // cluster: the channel kept for the connection's lifetime

	psMu      sync.Mutex
	ps        *redis.PubSub       // replaced when found silent (or, on a cluster, broken)
	channels  map[string]struct{} // subscribed channels, to rebuild ps
	unsubbing map[string]int      // cluster: SUNSUBSCRIBEs sent on ps, not yet confirmed

	mu      sync.Mutex
	seq     uint64
	waiters map[string]chan struct{} // barrier ping payload → released when its pong arrives

	done chan struct{}
}

// startConn opens a subscription connection (to anchor alone, or to nothing
// yet) and starts its receive loop.
func (b *RedisBroker) startConn(open func(context.Context, []string) *redis.PubSub, anchor string) *psConn {
	c := &psConn{
		b:        b,
		open:     open,
		anchor:   anchor,
		channels: make(map[string]struct{}),
		waiters:  make(map[string]chan struct{}),
		done:     make(chan struct{}),
	}
	c.ps = open(b.ctx, c.channelList())
	go c.run()
	return c
}

// sharded reports whether the connection uses sharded pub/sub.
func (c *psConn) sharded() bool { return c.b.cluster != nil }

// subscribe adds chans to the connection and returns once Redis has
// confirmed them.
func (c *psConn) subscribe(ctx context.Context, chans []string) error {
	c.psMu.Lock()
	for _, ch := range chans {
		c.channels[ch] = struct{}{}
	}
	var err error
	if c.sharded() {
		err = c.ps.SSubscribe(ctx, chans...)
	} else {
		err = c.ps.Subscribe(ctx, chans...)
	}
	c.psMu.Unlock()
	if err != nil {
		return fmt.Errorf("realtime: redis subscribe: %w", err)
	}
	return c.barrier(ctx)
}

// unsubscribe removes chans from the connection and returns once Redis has
// confirmed it.
func (c *psConn) unsubscribe(ctx context.Context, chans []string) error {
	c.psMu.Lock()
	for _, ch := range chans {
		delete(c.channels, ch)
	}
	var err error
	if c.sharded() {
		if c.unsubbing == nil {
			c.unsubbing = make(map[string]int)
		}
		for _, ch := range chans {
			c.unsubbing[ch]++
		}
		err = c.ps.SUnsubscribe(ctx, chans...)
	} else {
		err = c.ps.Unsubscribe(ctx, chans...)
	}
	c.psMu.Unlock()
	if err != nil {
		return fmt.Errorf("realtime: redis unsubscribe: %w", err)
	}
	return c.barrier(ctx)
}

// pubsub returns the current connection.
func (c *psConn) pubsub() *redis.PubSub {
	c.psMu.Lock()
	defer c.psMu.Unlock()
	return c.ps
}

// channelList returns the anchor (first) and every subscribed channel.
// c.psMu held, or c not yet shared.
func (c *psConn) channelList() []string {
	chans := make([]string, 0, 1+len(c.channels))
	if c.anchor != "" {
		chans = append(chans, c.anchor)
	}
	for ch := range c.channels {
		chans = append(chans, ch)
	}
	return chans
}

// replace drops the connection and opens a new one with every subscribed
// channel. On a cluster, the new one goes to the master the client now
// knows for the group's slot.
func (c *psConn) replace() {
	c.psMu.Lock()
	old := c.ps
	c.ps = c.open(c.b.ctx, c.channelList())
	c.unsubbing = nil // the old connection's confirmations will not be read
	c.psMu.Unlock()
	_ = old.Close()
}

// unsolicited reports whether a sunsubscribe of ch was Redis's own doing (the
// slot moved to another master) rather than the answer to ours.
func (c *psConn) unsolicited(ch string) bool {
	c.psMu.Lock()
	defer c.psMu.Unlock()
	if n := c.unsubbing[ch]; n > 0 {
		if n == 1 {
			delete(c.unsubbing, ch)
		} else {
			c.unsubbing[ch] = n - 1
		}
		return false
	}
	return true
}

// barrier sends a PING with a unique payload on the connection and waits
// for its PONG. Redis answers commands of one connection in order, so the
// PONG proves every earlier (UN)SUBSCRIBE has taken effect. If the
// connection drops meanwhile, the loop pings again after reconnecting.
func (c *psConn) barrier(ctx context.Context) error {
	c.mu.Lock()
	c.seq++
	token := redisBarrierPfx + strconv.FormatUint(c.seq, 10)
	ch := make(chan struct{})
	c.waiters[token] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, token)
		c.mu.Unlock()
	}()
	_ = c.pubsub().Ping(ctx, token) // on error the receive loop re-pings after reconnecting
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("realtime: redis subscription confirm: %w", ctx.Err())
	case <-c.done:
		return ErrBrokerClosed
	}
}

// run is the receive loop: the only reader of the connection.
func (c *psConn) run() {
	b := c.b
	defer close(c.done)
	defer func() { _ = c.pubsub().Close() }() // also one opened while closing
	lost := false                             // the connection failed; Resync is due
	healthPending := false                    // an idle ping is unanswered
	backoff := redisBackoffMin
	// reconnect waits, then makes sure a working connection will answer the
	// resync marker once every channel is subscribed again.
	reconnect := func(replace bool) bool {
		healthPending = false
		if !lost {
			lost = true
			b.connLost()
		}
		if c.sharded() {
			b.cluster.ReloadState(b.ctx) // the slot may have a new master
		}
		if !sleepCtx(b.ctx, backoff) {
			return false
		}
		backoff = min(backoff*2, redisBackoffMax)
		if replace {
			c.replace()
		}
		_ = c.pubsub().Ping(b.ctx, redisResyncMarker)
		return true
	}
	for {
		ps := c.pubsub()
		// While reconnecting, the resync marker's answer is awaited for a
		// short while only: a marker lost with a connection that failed again
		// (a cluster still electing its new master) is sent again soon, not
		// after a whole idle interval.
		wait := b.idle
		if lost {
			wait = min(b.idle, max(time.Second, backoff))
		}
		msg, err := ps.ReceiveTimeout(b.ctx, wait)
		if b.ctx.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			timeout := errors.As(err, &ne) && ne.Timeout()
			if timeout && !lost && !healthPending {
				healthPending = true
				_ = ps.Ping(b.ctx) // check the idle connection
				continue
			}
			// Silent for a whole interval: presumed dead, replaced. Any
			// other failure: on a single Redis go-redis reconnects and
			// re-subscribes on the next use; on a cluster the connection
			// is replaced, since an error reply (MOVED, CLUSTERDOWN) to
			// a re-subscribe leaves a live connection that subscribes
			// nothing.
			if !reconnect(timeout || c.sharded()) {
				return
			}
			continue
		}
		healthPending = false
		backoff = redisBackoffMin
		switch m := msg.(type) {
		case *redis.Message:
			topic, ok := b.topicOf(m.Channel)
			switch {
			case ok:
				b.recv.Receive(topic, []byte(m.Payload))
			case b.drops != nil:
				b.drops.BrokerDropped(DropUnknownChannel)
			}
		case *redis.Subscription:
			// The group's slot moved to another master, which Redis tells
			// by unsubscribing its channels.
			if m.Kind == "sunsubscribe" && c.unsolicited(m.Channel) {
				if !reconnect(true) {
					return
				}
			}
		case *redis.Pong:
			c.pong(m.Payload, &lost)
		}
	}
}

// pong handles a PONG: a resync marker ends a reconnect, a barrier token
// releases its waiter.
func (c *psConn) pong(payload string, lost *bool) {
	if payload == redisResyncMarker {
		if *lost {
			*lost = false
			c.repingWaiters()
			c.b.connBack()
		}
		return
	}
	c.mu.Lock()
	ch, ok := c.waiters[payload]
	if ok {
		delete(c.waiters, payload)
	}
	c.mu.Unlock()
	if ok {
		close(ch)
	}
}

// repingWaiters re-sends the barrier pings that a dropped connection lost.
func (c *psConn) repingWaiters() {
	c.mu.Lock()
	tokens := make([]string, 0, len(c.waiters))
	for t := range c.waiters {
		tokens = append(tokens, t)
	}
	c.mu.Unlock()
	ps := c.pubsub()
	for _, t := range tokens {
		_ = ps.Ping(c.b.ctx, t)
	}
}
