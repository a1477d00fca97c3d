package realtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	redisIdlePing     = 15 * time.Second      // ping the subscription connection when idle
	redisBackoffMin   = 50 * time.Millisecond // first wait after a connection error
	redisBackoffMax   = 2 * time.Second       // longest wait between reconnect attempts
	redisResyncMarker = "illuwa-resync"       // ping payload that ends a reconnect
	redisBarrierPfx   = "illuwa-barrier-"     // ping payloads that confirm (un)subscribes
	redisPingTimeout  = 5 * time.Second       // NewRedisBroker's reachability check
)

// RedisBroker is a Broker over Redis pub/sub. Every topic is the Redis
// channel prefix+topic. All subscriptions share ONE connection (a go-redis
// PubSub); publishing uses the client's ordinary pool. Concurrent publishes
// share round trips: a publish that finds none in flight is sent at once,
// and those that arrive meanwhile go out together as one pipeline when it
// ends (no goroutine of the broker's own, no added wait when publishes
// come one at a time).
//
// When the subscription connection drops, go-redis reconnects and
// re-subscribes; the broker notices the error, waits until the new
// connection has confirmed its subscriptions, then calls Receiver.Resync.
// A connection that stays silent (no answer to a ping for a whole idle
// interval, e.g. a half-open TCP connection) is replaced the same way.
// Messages published while the connection was down are lost.
//
// Receive is called from one goroutine, the only reader of the subscription
// connection, straight from the connection: the broker buffers nothing of
// its own. A slow receiver makes Redis buffer the messages instead, up to
// its pub/sub output buffer limit, past which Redis drops the connection
// (then Resync follows). A message on a channel outside the prefix is
// dropped and reported to the Receiver's DropCounter (DropUnknownChannel).
type RedisBroker struct {
	client *redis.Client
	pub    publishBatcher
	prefix string
	recv   Receiver
	drops  DropCounter // recv's, or nil
	idle   time.Duration

	psMu     sync.Mutex
	ps       *redis.PubSub       // replaced when found silent
	channels map[string]struct{} // subscribed channels, to rebuild ps

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu      sync.Mutex
	seq     uint64
	waiters map[string]chan struct{} // barrier ping payload → released when its pong arrives
}

var (
	_ Broker         = (*RedisBroker)(nil)
	_ MultiPublisher = (*RedisBroker)(nil)
)

// NewRedisBroker checks that Redis answers, then starts the broker's receive
// loop, delivering to recv. prefix starts every channel name (e.g.
// "illuwa:"). Close stops the broker; it does not close client.
func NewRedisBroker(client *redis.Client, prefix string, recv Receiver) (*RedisBroker, error) {
	return newRedisBroker(client, prefix, recv, redisIdlePing)
}

func newRedisBroker(client *redis.Client, prefix string, recv Receiver, idle time.Duration) (*RedisBroker, error) {
	pctx, pcancel := context.WithTimeout(context.Background(), redisPingTimeout)
	defer pcancel()
	if err := client.Ping(pctx).Err(); err != nil {
		return nil, fmt.Errorf("realtime: redis broker: ping: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &RedisBroker{
		client:   client,
		pub:      publishBatcher{client: client},
		prefix:   prefix,
		recv:     recv,
		idle:     idle,
		ps:       client.Subscribe(ctx),
		channels: make(map[string]struct{}),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
		waiters:  make(map[string]chan struct{}),
	}
	b.drops, _ = recv.(DropCounter)
	go b.run()
	return b, nil
}

// Publish sends payload on channel prefix+topic. It shares a pipeline with
// concurrent publishes; when ctx ends before the message was sent, it
// returns ctx's error and the message is not sent.
func (b *RedisBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	return b.PublishTopics(ctx, []string{topic}, payload)
}

// PublishTopics implements MultiPublisher: payload goes on channel
// prefix+topic for each topic, in order, in one round trip (shared with
// concurrent publishes).
func (b *RedisBroker) PublishTopics(ctx context.Context, topics []string, payload []byte) error {
	if b.ctx.Err() != nil {
		return ErrBrokerClosed
	}
	if len(topics) == 0 {
		return nil
	}
	return b.pub.do(ctx, b.channelNames(topics), payload)
}

// Subscribe subscribes the shared connection to topics and returns once
// Redis has confirmed it.
func (b *RedisBroker) Subscribe(ctx context.Context, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	if b.ctx.Err() != nil {
		return ErrBrokerClosed
	}
	chans := b.channelNames(topics)
	b.psMu.Lock()
	for _, ch := range chans {
		b.channels[ch] = struct{}{}
	}
	err := b.ps.Subscribe(ctx, chans...)
	b.psMu.Unlock()
	if err != nil {
		return fmt.Errorf("realtime: redis subscribe: %w", err)
	}
	return b.barrier(ctx)
}

// Unsubscribe unsubscribes the shared connection from topics and returns
// once Redis has confirmed it.
func (b *RedisBroker) Unsubscribe(ctx context.Context, topics ...string) error {
	if len(topics) == 0 {
		return nil
	}
	if b.ctx.Err() != nil {
		return ErrBrokerClosed
	}
	chans := b.channelNames(topics)
	b.psMu.Lock()
	for _, ch := range chans {
		delete(b.channels, ch)
	}
	err := b.ps.Unsubscribe(ctx, chans...)
	b.psMu.Unlock()
	if err != nil {
		return fmt.Errorf("realtime: redis unsubscribe: %w", err)
	}
	return b.barrier(ctx)
}

// Close stops the receive loop and closes the subscription connection.
func (b *RedisBroker) Close() error {
	var err error
	b.once.Do(func() {
		b.cancel()
		if cerr := b.pubsub().Close(); cerr != nil {
			err = fmt.Errorf("realtime: redis broker close: %w", cerr)
		}
	})
	<-b.done
	return err
}

// pubsub returns the current subscription connection.
func (b *RedisBroker) pubsub() *redis.PubSub {
	b.psMu.Lock()
	defer b.psMu.Unlock()
	return b.ps
}

// replacePubSub drops a silent subscription connection and opens a new one
// with every subscribed channel.
func (b *RedisBroker) replacePubSub() {
	b.psMu.Lock()
	old := b.ps
	chans := make([]string, 0, len(b.channels))
	for ch := range b.channels {
		chans = append(chans, ch)
	}
	b.ps = b.client.Subscribe(b.ctx, chans...)
	b.psMu.Unlock()
	_ = old.Close()
}

func (b *RedisBroker) channelNames(topics []string) []string {
	out := make([]string, len(topics))
	for i, t := range topics {
		out[i] = b.prefix + t
	}
	return out
}

// barrier sends a PING with a unique payload on the subscription connection
// and waits for its PONG. Redis answers commands of one connection in order,
// so the PONG proves every earlier (UN)SUBSCRIBE has taken effect. If the
// connection drops meanwhile, the loop pings again after reconnecting.
func (b *RedisBroker) barrier(ctx context.Context) error {
	b.mu.Lock()
	b.seq++
	token := redisBarrierPfx + strconv.FormatUint(b.seq, 10)
	ch := make(chan struct{})
	b.waiters[token] = ch
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.waiters, token)
		b.mu.Unlock()
	}()
	_ = b.pubsub().Ping(ctx, token) // on error the receive loop re-pings after reconnecting
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("realtime: redis subscription confirm: %w", ctx.Err())
	case <-b.done:
		return ErrBrokerClosed
	}
}

// run is the receive loop: the only reader of the subscription connection.
func (b *RedisBroker) run() {
	defer close(b.done)
	defer func() { _ = b.pubsub().Close() }() // also one opened while closing
	lost := false                             // the connection failed; Resync is due
	healthPending := false                    // an idle ping is unanswered
	backoff := redisBackoffMin
	for {
		ps := b.pubsub()
		msg, err := ps.ReceiveTimeout(b.ctx, b.idle)
		if b.ctx.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if !lost && !healthPending {
					healthPending = true
					_ = ps.Ping(b.ctx) // check the idle connection
					continue
				}
				b.replacePubSub() // silent for a whole interval: presumed dead
			}
			// The connection failed; go-redis reconnects and re-subscribes
			// on the next use. The marker's PONG tells when that is done.
			healthPending = false
			lost = true
			if !sleepCtx(b.ctx, backoff) {
				return
			}
			backoff = min(backoff*2, redisBackoffMax)
			_ = b.pubsub().Ping(b.ctx, redisResyncMarker)
			continue
		}
		healthPending = false
		backoff = redisBackoffMin
		switch m := msg.(type) {
		case *redis.Message:
			topic, ok := strings.CutPrefix(m.Channel, b.prefix)
			switch {
			case ok:
				b.recv.Receive(topic, []byte(m.Payload))
			case b.drops != nil:
				b.drops.BrokerDropped(DropUnknownChannel)
			}
		case *redis.Pong:
			b.pong(m.Payload, &lost)
		}
	}
}

// pong handles a PONG: a resync marker ends a reconnect, a barrier token
// releases its waiter.
func (b *RedisBroker) pong(payload string, lost *bool) {
	if payload == redisResyncMarker {
		if *lost {
			*lost = false
			b.repingWaiters()
			b.recv.Resync()
		}
		return
	}
	b.mu.Lock()
	ch, ok := b.waiters[payload]
	if ok {
		delete(b.waiters, payload)
	}
	b.mu.Unlock()
	if ok {
		close(ch)
	}
}

// repingWaiters re-sends the barrier pings that a dropped connection lost.
func (b *RedisBroker) repingWaiters() {
	b.mu.Lock()
	tokens := make([]string, 0, len(b.waiters))
	for t := range b.waiters {
		tokens = append(tokens, t)
	}
	b.mu.Unlock()
	ps := b.pubsub()
	for _, t := range tokens {
		_ = ps.Ping(b.ctx, t)
	}
}

// sleepCtx waits d or until ctx ends; it reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
