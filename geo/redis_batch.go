package geo

import (
	"context"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"
)

// maxBatch bounds how many script calls one pipeline carries.
const maxBatch = 128

// maxInFlight bounds the round trips in flight at once, each on its own
// connection of the client's pool, and extraTripQueue is how many calls
// must be waiting before a call starts one more beside those in flight.
// With one round trip only, as first built, every call that arrived during
// a round trip waited for all of it, and on a busy machine that wait
// bounded the positions a second; with a round trip for every call that
// finds a free slot, a lightly loaded server shared fewer of them and paid
// more system calls a position.
const (
	maxInFlight    = 4
	extraTripQueue = 16
)

// scriptBatcher sends the Upsert and Move scripts of concurrent callers to
// Redis together, with no goroutine of its own. A call that finds no round
// trip in flight sends itself at once, on its own goroutine. Calls that
// arrive while one is in flight queue up; when it ends, the first of them
// is woken to send the whole queue (at most maxBatch calls) as one
// pipeline and answer the others. A call that finds extraTripQueue calls
// waiting and fewer than maxInFlight round trips in flight does not wait:
// it sends itself and the queue at once, as one more round trip. Under
// load the round trips and their system calls are shared by a batch; each
// call is still its own atomic script. Calls that overlap in time may
// reach Redis in either order; the Move script keeps a stall's newest
// position whatever the order.
type scriptBatcher struct {
	client   redis.UniversalClient
	mu       sync.Mutex
	inflight int           // round trips in flight, at most maxInFlight
	queue    []*scriptCall // calls waiting for the next one
}

// scriptCall is one EVALSHA with its reply.
type scriptCall struct {
	args  []any // "evalsha", hash, ...; switched to EVAL on NOSCRIPT
	src   any   // the script's source, for EVAL
	res   string
	err   error
	lead  bool          // woken to send the next batch rather than answered
	ready chan struct{} // receives once answered or made the leader
}

var callPool = sync.Pool{New: func() any { return &scriptCall{ready: make(chan struct{}, 1)} }}

// do runs one script call and returns its reply as a string (a nil reply
// is redis.Nil). When ctx ends before the call was sent, it returns the
// context's error; once sent, the call is waited for, which the client's
// timeouts bound.
func (b *scriptBatcher) do(ctx context.Context, args []any, src any) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c := callPool.Get().(*scriptCall)
	c.args, c.src = args, src
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
				*c = scriptCall{ready: c.ready}
				callPool.Put(c)
				return "", ctx.Err()
			}
			<-c.ready // taken into a batch, or made the leader
		}
		if c.lead {
			b.lead(c)
		}
	}
	res, err := c.res, c.err
	*c = scriptCall{ready: c.ready}
	callPool.Put(c)
	return res, err
}

// unqueue takes c out of the queue; false when it was no longer there.
func (b *scriptBatcher) unqueue(c *scriptCall) bool {
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
// round trip's slot. c's own reply is left in c.
func (b *scriptBatcher) lead(c *scriptCall) {
	b.mu.Lock()
	n := min(len(b.queue), maxBatch-1)
	batch := make([]*scriptCall, 0, n+1)
	batch = append(append(batch, c), b.queue[:n]...)
	b.queue = append(b.queue[:0], b.queue[n:]...)
	b.mu.Unlock()

	b.send(batch)
	for _, o := range batch[1:] {
		o.ready <- struct{}{}
	}

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

// send runs the batch, one command alone or a pipeline, and stores every
// reply. Calls Redis refused with NOSCRIPT are sent again as EVAL.
func (b *scriptBatcher) send(batch []*scriptCall) {
	// A batch is not tied to any one caller's context: a caller that gives
	// up must not fail the others. The client's timeouts bound it.
	ctx := context.Background()
	if len(batch) == 1 {
		c := batch[0]
		c.res, c.err = b.client.Do(ctx, c.args...).Text()
	} else {
		pipe := b.client.Pipeline()
		cmds := make([]*redis.Cmd, len(batch))
		for i, c := range batch {
			cmds[i] = pipe.Do(ctx, c.args...)
		}
		_, _ = pipe.Exec(ctx) // each command carries its own error
		for i, c := range batch {
			c.res, c.err = cmds[i].Text()
		}
	}
	for _, c := range batch {
		if c.err != nil && redis.HasErrorPrefix(c.err, "NOSCRIPT") {
			c.args[0], c.args[1] = "eval", c.src
			c.res, c.err = b.client.Do(ctx, c.args...).Text()
		}
	}
}
