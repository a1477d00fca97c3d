package realtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"
)

// maxPublishBatch bounds how many calls one pipeline carries.
const maxPublishBatch = 128

// maxInFlight bounds the publish round trips in flight at once, each on
// its own connection of the client's pool, and extraTripQueue is how many
// calls must be waiting before a call starts one more beside those in
// flight (see geo's scriptBatcher, which does the same for the positions,
// for why).
const (
	maxInFlight    = 4
	extraTripQueue = 16
)

// publishBatcher sends the PUBLISH commands of concurrent callers to Redis
// together, with no goroutine of its own. A call that finds no round trip
// in flight sends itself at once, on its caller's goroutine. Calls that
// arrive while one is in flight queue up; when it ends, the first of them
// is woken to send the whole queue (at most maxPublishBatch calls) as one
// pipeline and answer the others. A call that finds extraTripQueue calls
// waiting and fewer than maxInFlight round trips in flight does not wait:
// it sends itself and the queue at once, as one more round trip. One
// call's commands go out in order, in one pipeline, and a caller has at
// most one call in flight, so the order of one caller's publishes is kept;
// calls that overlap in time may reach Redis in either order (the hub keeps
// a stall's newest position whatever the order, see
// illuwa_ws_events_superseded_total).
type publishBatcher struct {
	client   redis.UniversalClient
	sharded  bool // SPUBLISH (Redis Cluster's sharded pub/sub) instead of PUBLISH
	mu       sync.Mutex
	inflight int            // round trips in flight, at most maxInFlight
	queue    []*publishCall // calls waiting for the next one
}

// publishCall is one payload for one or more channels, with its outcome.
type publishCall struct {
	channels []string
	payload  []byte
	err      error
	lead     bool          // woken to send the next batch rather than answered
	ready    chan struct{} // receives once answered or made the leader
}

var publishCallPool = sync.Pool{New: func() any { return &publishCall{ready: make(chan struct{}, 1)} }}

// do publishes payload on each channel, in order. When ctx ends before
// the call was sent, it returns the context's error (wrapped) and nothing
// of it is sent; once sent, the call is waited for, which the client's
// timeouts bound. The error joins the failures of the single commands.
func (b *publishBatcher) do(ctx context.Context, channels []string, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("realtime: redis publish: %w", err)
	}
	c := publishCallPool.Get().(*publishCall)
	c.channels, c.payload = channels, payload
	b.mu.Lock()
	if b.inflight == 0 || b.inflight < maxInFlight && len(b.queue) >= extraTripQueue {
		b.inflight++
		b.mu.Unlock()
		b.lead(c)
	} else {
		b.queue = append(b.queue, c)
		b.mu.Unlock()
		select {
		case <-c.ready:
		case <-ctx.Done():
			if b.unqueue(c) {
				b.release(c)
				return fmt.Errorf("realtime: redis publish: %w", ctx.Err())
			}
			<-c.ready // taken into a batch, or made the leader
		}
		if c.lead {
			b.lead(c)
		}
	}
	err := c.err
	b.release(c)
	return err
}

// release clears c and returns it to the pool.
func (b *publishBatcher) release(c *publishCall) {
	*c = publishCall{ready: c.ready}
	publishCallPool.Put(c)
}

// unqueue takes c out of the queue; false when it was no longer there.
func (b *publishBatcher) unqueue(c *publishCall) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.Index(b.queue, c)
	if i < 0 {
		return false
	}
	b.queue = slices.Delete(b.queue, i, i+1)
	return true
}

// lead sends c with the calls queued so far, answers them, then wakes the
// first call queued meanwhile to lead the next batch, or gives up its
// round trip's slot. c's own outcome is left in c.
func (b *publishBatcher) lead(c *publishCall) {
	b.mu.Lock()
	n := min(len(b.queue), maxPublishBatch-1)
	batch := make([]*publishCall, 0, n+1)
	batch = append(append(batch, c), b.queue[:n]...)
	b.queue = append(b.queue[:0], b.queue[n:]...)
	b.mu.Unlock()

	b.send(batch)
	for _, o := range batch[1:] {
		o.ready <- struct{}{}
	}
	b.handOff()
}

// handOff ends a round trip: it wakes the first queued call to lead the
// next one, or gives up the round trip's slot.
func (b *publishBatcher) handOff() {
	b.mu.Lock()
	if len(b.queue) == 0 {
		b.inflight--
		b.mu.Unlock()
		return
	}
	next := b.queue[0]
	b.queue = append(b.queue[:0], b.queue[1:]...)
	b.mu.Unlock()
	next.lead = true
	next.ready <- struct{}{}
}

// send runs the batch, one command alone or a pipeline, and stores each
// call's outcome.
func (b *publishBatcher) send(batch []*publishCall) {
	// A batch is not tied to any one caller's context: a caller that gives
	// up must not fail the others. The client's timeouts bound it.
	ctx := context.Background()
	if len(batch) == 1 && len(batch[0].channels) == 1 {
		c := batch[0]
		if err := b.publish(ctx, b.client, c.channels[0], c.payload).Err(); err != nil {
			c.err = fmt.Errorf("realtime: redis publish %q: %w", c.channels[0], err)
		}
		return
	}
	pipe := b.client.Pipeline()
	var cmds []*redis.IntCmd
	for _, c := range batch {
		for _, ch := range c.channels {
			cmds = append(cmds, b.publish(ctx, pipe, ch, c.payload))
		}
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	i := 0
	for _, c := range batch {
		var errs []error
		for _, ch := range c.channels {
			if err := cmds[i].Err(); err != nil {
				errs = append(errs, fmt.Errorf("realtime: redis publish %q: %w", ch, err))
			}
			i++
		}
		c.err = errors.Join(errs...)
	}
}

// publish queues or sends one PUBLISH (SPUBLISH when sharded) on c.
func (b *publishBatcher) publish(ctx context.Context, c redis.Cmdable, channel string, payload []byte) *redis.IntCmd {
	if b.sharded {
		return c.SPublish(ctx, channel, payload)
	}
	return c.Publish(ctx, channel, payload)
}
