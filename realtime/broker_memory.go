package realtime

import (
	"context"
	"sync"
)

// memoryQueueSize bounds the messages published but not yet received.
const memoryQueueSize = 4096

// MemoryBroker is an in-process Broker for a single instance. Messages go
// through one bounded queue to the receiver's goroutine; when the queue is
// full, Publish drops the message instead of waiting. It never calls Resync.
type MemoryBroker struct {
	recv  Receiver
	queue chan memoryMessage
	quit  chan struct{}
	done  chan struct{}

	// deliverMu is held from the subscription check of a message until its
	// Receive returns, so Unsubscribe can wait out a delivery in flight.
	deliverMu sync.Mutex

	mu     sync.RWMutex
	subs   map[string]uint64 // topic → generation of its subscription
	gen    uint64            // last generation handed out
	closed bool
	once   sync.Once
}

type memoryMessage struct {
	topic   string
	gen     uint64 // the subscription it was published under
	payload []byte
}

var _ Broker = (*MemoryBroker)(nil)

// NewMemoryBroker returns a running MemoryBroker delivering to recv. Call
// Close to stop it.
func NewMemoryBroker(recv Receiver) *MemoryBroker {
	b := &MemoryBroker{
		recv:  recv,
		queue: make(chan memoryMessage, memoryQueueSize),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		subs:  make(map[string]uint64),
	}
	go b.deliver()
	return b
}

func (b *MemoryBroker) deliver() {
	defer close(b.done)
	for {
		select {
		case m := <-b.queue:
			b.deliverMu.Lock()
			b.mu.RLock()
			ok := b.subs[m.topic] == m.gen // not unsubscribed (nor re-subscribed) since
			b.mu.RUnlock()
			if ok {
				b.recv.Receive(m.topic, m.payload)
			}
			b.deliverMu.Unlock()
		case <-b.quit:
			return
		}
	}
}

// Publish queues a copy of payload for the receiver if topic is subscribed.
// It drops the message when the queue is full and never blocks.
func (b *MemoryBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrBrokerClosed
	}
	gen, ok := b.subs[topic]
	if !ok {
		return nil
	}
	m := memoryMessage{topic: topic, gen: gen, payload: append([]byte(nil), payload...)}
	select {
	case b.queue <- m:
	default: // full: at-most-once, the publisher never waits
	}
	return nil
}

// Subscribe adds topics; it is active when it returns.
func (b *MemoryBroker) Subscribe(ctx context.Context, topics ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBrokerClosed
	}
	for _, t := range topics {
		if _, ok := b.subs[t]; !ok {
			b.gen++
			b.subs[t] = b.gen
		}
	}
	return nil
}

// Unsubscribe removes topics. Queued messages of those topics are dropped,
// even when a topic is subscribed again before they come up, and a delivery
// already in Receive ends before Unsubscribe returns: once it has returned,
// no message of those topics published before it is delivered. It must not
// be called from Receive.
func (b *MemoryBroker) Unsubscribe(ctx context.Context, topics ...string) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrBrokerClosed
	}
	for _, t := range topics {
		delete(b.subs, t)
	}
	b.mu.Unlock()
	// A delivery that checked the subscriptions before the change may still
	// be in Receive: wait for it. Later ones see the change.
	b.deliverMu.Lock()
	//lint:ignore SA2001 an empty critical section is the point: wait for the delivery in flight
	b.deliverMu.Unlock()
	return nil
}

// Close stops delivery and waits for the delivery goroutine to end.
func (b *MemoryBroker) Close() error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.quit)
	})
	<-b.done
	return nil
}
