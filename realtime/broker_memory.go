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

	mu     sync.RWMutex
	subs   map[string]struct{}
	closed bool
	once   sync.Once
}

type memoryMessage struct {
	topic   string
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
		subs:  make(map[string]struct{}),
	}
	go b.deliver()
	return b
}

func (b *MemoryBroker) deliver() {
	defer close(b.done)
	for {
		select {
		case m := <-b.queue:
			b.mu.RLock()
			_, ok := b.subs[m.topic]
			b.mu.RUnlock()
			if ok {
				b.recv.Receive(m.topic, m.payload)
			}
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
	if _, ok := b.subs[topic]; !ok {
		return nil
	}
	m := memoryMessage{topic: topic, payload: append([]byte(nil), payload...)}
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
		b.subs[t] = struct{}{}
	}
	return nil
}

// Unsubscribe removes topics; queued messages of those topics are dropped.
func (b *MemoryBroker) Unsubscribe(ctx context.Context, topics ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBrokerClosed
	}
	for _, t := range topics {
		delete(b.subs, t)
	}
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
