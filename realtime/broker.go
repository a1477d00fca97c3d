package realtime

import (
	"context"
	"errors"
)

// ErrBrokerClosed is returned by Broker methods called after Close.
var ErrBrokerClosed = errors.New("realtime: broker closed")

// Receiver gets what a Broker delivers.
type Receiver interface {
	// Receive is called once per delivered message. payload is owned by the
	// receiver. Calls for one topic never overlap and come in delivery
	// order; calls for different topics may run concurrently (the memory
	// broker delivers from several goroutines), so Receive must be safe
	// for concurrent use. It must not block for long: while it runs, the
	// broker's delivery of its topic (and of the topics that share its
	// delivery goroutine) waits.
	Receive(topic string, payload []byte)
	// Resync is called after the broker lost its connection and
	// re-established its subscriptions: messages published in between may
	// be lost, so state derived from them must be rebuilt.
	Resync()
}

// DropCounter is implemented by a Receiver that wants to count the messages
// its Broker dropped on this instance's side. A Broker checks its Receiver
// for it once, when it is created, and then calls BrokerDropped once per
// dropped message, with one of the Drop* reasons. BrokerDropped may be
// called from any goroutine, including a publisher's, and must not block.
// The Hub implements it as the counter
// illuwa_broker_messages_dropped_total{reason}.
type DropCounter interface {
	BrokerDropped(reason string)
}

// Reasons passed to DropCounter.BrokerDropped.
const (
	// DropQueueFull: the memory broker's delivery queue of the topic's
	// shard was full when the message was published.
	DropQueueFull = "queue_full"
	// DropUnknownChannel: the Redis broker received a message on a channel
	// outside its prefix.
	DropUnknownChannel = "unknown_channel"
)

// Broker moves opaque payloads between server instances by topic.
//
// Guarantees, for every implementation:
//   - Subscribe returns once the subscription is active: a message published
//     (by any instance) after Subscribe returned is delivered, unless the
//     connection is lost (then Resync follows) or a bounded buffer
//     overflows (then the drop is counted, see below).
//   - After Unsubscribe returns, no message of those topics is delivered.
//   - Messages of one topic from one publisher, published one after another
//     (each Publish returned before the next began), are delivered in that
//     order. Nothing is promised across publishers, nor across topics.
//   - Delivery is at most once: a message may be lost, never duplicated by
//     the broker. Every loss is visible: a drop on this instance's side (the
//     memory broker's full queue, a Redis message on a foreign channel) is
//     reported to the Receiver's DropCounter, which the Hub exports as
//     illuwa_broker_messages_dropped_total; a lost Redis connection is
//     followed by Resync (illuwa_broker_resyncs_total), after which the
//     hub re-sends every watcher a snapshot.
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

// MultiPublisher is an optional extension of Broker for a payload that
// goes to several topics (a stall event goes to the cell it left and the
// one it entered). The Hub uses it when its Broker has it.
type MultiPublisher interface {
	// PublishTopics is Publish of payload to each of topics in turn, with
	// Publish's guarantees, as one call: the broker may send them in one
	// round trip. When ctx ends before anything was sent, nothing is sent
	// and ctx's error is returned. Otherwise each topic is attempted and
	// the error joins the failures.
	PublishTopics(ctx context.Context, topics []string, payload []byte) error
}
