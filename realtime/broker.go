package realtime

import (
	"context"
	"errors"
)

// ErrBrokerClosed is returned by Broker methods called after Close.
var ErrBrokerClosed = errors.New("realtime: broker closed")

// Receiver gets what a Broker delivers. A Broker calls it from one goroutine
// at a time, so Receive calls for one broker never overlap.
type Receiver interface {
	// Receive is called once per delivered message. payload is owned by the
	// receiver. Receive must not block for long: while it runs, the
	// broker's delivery for this instance waits.
	Receive(topic string, payload []byte)
	// Resync is called after the broker lost its connection and
	// re-established its subscriptions: messages published in between may
	// be lost, so state derived from them must be rebuilt.
	Resync()
}

// Broker moves opaque payloads between server instances by topic.
//
// Guarantees, for every implementation:
//   - Subscribe returns once the subscription is active: a message published
//     (by any instance) after Subscribe returned is delivered, unless the
//     connection is lost (then Resync follows).
//   - After Unsubscribe returns, no message of those topics is delivered.
//   - Messages of one topic from one publisher, published one after another
//     (each Publish returned before the next began), are delivered in that
//     order. Nothing is promised across publishers.
//   - Delivery is at most once: a message may be lost (connection loss,
//     overflow of the bounded buffers), never duplicated by the broker.
//   - A slow receiver never blocks Publish of other instances beyond bounded
//     buffering: the memory broker drops when its queue is full; Redis drops
//     the subscriber's connection when its output buffer limit is reached,
//     after which the broker reconnects and calls Resync.
//
// All methods are safe for concurrent use.
type Broker interface {
	// Publish sends payload to every current subscriber of topic.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe adds topics to this instance's subscriptions. Subscribing to
	// a topic twice is the same as once.
	Subscribe(ctx context.Context, topics ...string) error
	// Unsubscribe removes topics from this instance's subscriptions.
	Unsubscribe(ctx context.Context, topics ...string) error
	// Close ends every goroutine of the broker; no Receiver call happens
	// after it returns. It does not close clients passed in.
	Close() error
}
