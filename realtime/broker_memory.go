package realtime

import (
	"context"
	"hash/maphash"
	"runtime"
	"sync"
)

const (
	// memoryQueueSize bounds, per shard, the messages published but not
	// yet received.
	memoryQueueSize = 4096
	// memoryMaxShards caps the delivery goroutines (and fits a uint64 set).
	memoryMaxShards = 32
)

// MemoryBroker is an in-process Broker for a single instance.
//
// Each topic belongs to one of several delivery shards, chosen by a hash of
// the topic. A shard is a bounded queue (4,096 messages) drained by one
// goroutine, so messages of one topic are received in publish order, and a
// topic whose receiver is slow holds up only the topics of its own shard.
// Receive is called concurrently for topics of different shards.
//
// Publish never waits: when the topic's queue is full it drops the message
// and reports it to the Receiver's DropCounter, if it implements one, with
// reason DropQueueFull (the Hub counts it in
// illuwa_broker_messages_dropped_total{reason="queue_full"}). Messages still
// queued when Close is called are discarded. It never calls Resync.
type MemoryBroker struct {
	recv   Receiver
	drops  DropCounter // recv's, or nil
	seed   maphash.Seed
	shards []*memoryShard
	quit   chan struct{}
	wg     sync.WaitGroup // shard goroutines

	mu     sync.RWMutex
	subs   map[string]uint64 // topic → generation of its subscription
	gen    uint64            // last generation handed out
	closed bool
	once   sync.Once
}

// memoryShard is one delivery queue and its goroutine's lock.
type memoryShard struct {
	queue chan memoryMessage
	// deliverMu is held from the subscription check of a message until its
	// Receive returns, so Unsubscribe can wait out a delivery in flight.
	deliverMu sync.Mutex
}

type memoryMessage struct {
	topic   string
	gen     uint64 // the subscription it was published under
	payload []byte
}

var _ Broker = (*MemoryBroker)(nil)

// NewMemoryBroker returns a running MemoryBroker delivering to recv, with
// twice GOMAXPROCS delivery shards (at least 4, at most 32). Call Close to
// stop it.
func NewMemoryBroker(recv Receiver) *MemoryBroker {
	shards := min(max(2*runtime.GOMAXPROCS(0), 4), memoryMaxShards)
	return newMemoryBroker(recv, shards, memoryQueueSize)
}

// newMemoryBroker is NewMemoryBroker with the shard count (1 to
// memoryMaxShards) and per-shard queue size given.
func newMemoryBroker(recv Receiver, shards, queueSize int) *MemoryBroker {
	shards = min(max(shards, 1), memoryMaxShards)
	b := &MemoryBroker{
		recv:   recv,
		seed:   maphash.MakeSeed(),
		shards: make([]*memoryShard, shards),
		quit:   make(chan struct{}),
		subs:   make(map[string]uint64),
	}
	b.drops, _ = recv.(DropCounter)
	for i := range b.shards {
		s := &memoryShard{queue: make(chan memoryMessage, queueSize)}
		b.shards[i] = s
		b.wg.Add(1)
		go b.deliver(s)
	}
	return b
}

// shardOf returns the index of topic's shard.
func (b *MemoryBroker) shardOf(topic string) int {
	return int(maphash.String(b.seed, topic) % uint64(len(b.shards)))
}

// deliver drains one shard until Close.
func (b *MemoryBroker) deliver(s *memoryShard) {
	defer b.wg.Done()
	for {
		select {
		case m := <-s.queue:
			s.deliverMu.Lock()
			b.mu.RLock()
			ok := b.subs[m.topic] == m.gen // not unsubscribed (nor re-subscribed) since
			b.mu.RUnlock()
			if ok {
				b.recv.Receive(m.topic, m.payload)
			}
			s.deliverMu.Unlock()
		case <-b.quit:
			return
		}
	}
}

// Publish queues a copy of payload for the receiver if topic is subscribed.
// It never blocks: when the topic's queue is full it drops the message and
// counts the drop (DropQueueFull).
func (b *MemoryBroker) Publish(ctx context.Context, topic string, payload []byte) error {
	b.mu.RLock()
	closed := b.closed
	gen, ok := b.subs[topic]
	b.mu.RUnlock()
	if closed {
		return ErrBrokerClosed
	}
	if !ok {
		return nil
	}
	// A message queued under a subscription that has ended since is
	// skipped by the generation check at delivery.
	m := memoryMessage{topic: topic, gen: gen, payload: append([]byte(nil), payload...)}
	select {
	case b.shards[b.shardOf(topic)].queue <- m:
	default: // full: at most once, the publisher never waits
		if b.drops != nil {
			b.drops.BrokerDropped(DropQueueFull)
		}
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
	// be in Receive: wait for it, once per shard concerned. Later ones see
	// the change.
	var waited uint64 // set of shard indexes
	for _, t := range topics {
		i := b.shardOf(t)
		if waited&(1<<i) != 0 {
			continue
		}
		waited |= 1 << i
		s := b.shards[i]
		s.deliverMu.Lock()
		//lint:ignore SA2001 an empty critical section is the point: wait for the delivery in flight
		s.deliverMu.Unlock()
	}
	return nil
}

// Close stops delivery and waits for every delivery goroutine to end.
func (b *MemoryBroker) Close() error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.quit)
	})
	b.wg.Wait()
	return nil
}
