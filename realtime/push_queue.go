package realtime

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrPushQueueFull is returned by PublishUser and PublishStall when the
// hub's push queue is full: the push is dropped (and counted), and the
// connections concerned catch up from the database at their next welcome or
// resync replay.
var ErrPushQueueFull = errors.New("realtime: push queue full")

// Reasons of illuwa_push_failed_total.
const (
	PushFailQueueFull = "queue_full" // the hub's push queue was full
	PushFailBroker    = "broker"     // the broker refused or timed out the publish
)

const pushShards = 4

// pushJob is one broker publish waiting in the push queue.
type pushJob struct {
	topic   string
	payload []byte
}

// pushQueue publishes user and stall pushes off the caller's path: a
// bounded queue per shard, one worker per shard, a topic always on the same
// shard (so pushes to one user or stall keep their order).
type pushQueue struct {
	hub    *Hub
	seed   maphash.Seed
	mu     sync.RWMutex // held for reading while enqueuing; for writing to stop
	stop   bool
	shards []chan pushJob
	wg     sync.WaitGroup

	failed    *prometheus.CounterVec
	queueFull prometheus.Counter
	brokerErr prometheus.Counter
}

func newPushQueue(h *Hub, size int) *pushQueue {
	q := &pushQueue{hub: h, seed: maphash.MakeSeed()}
	q.failed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "illuwa_push_failed_total",
		Help: "Order and notification pushes that could not be sent to the broker, by reason: queue_full (the instance's push queue was full), broker (the broker refused or timed out the publish). The database is the record: these are replayed at the next welcome or broker resync.",
	}, []string{"reason"})
	q.queueFull = q.failed.WithLabelValues(PushFailQueueFull)
	q.brokerErr = q.failed.WithLabelValues(PushFailBroker)
	per := max(1, size/pushShards)
	for range pushShards {
		ch := make(chan pushJob, per)
		q.shards = append(q.shards, ch)
		q.wg.Add(1)
		go q.work(ch)
	}
	return q
}

// publish queues payload for topic without blocking. After close it
// publishes at once, on the caller's goroutine.
func (q *pushQueue) publish(ctx context.Context, topic string, payload []byte) error {
	q.mu.RLock()
	if q.stop {
		q.mu.RUnlock()
		err := q.hub.broker.Publish(ctx, topic, payload)
		if err != nil {
			q.brokerErr.Inc()
		}
		return err
	}
	defer q.mu.RUnlock()
	ch := q.shards[maphash.String(q.seed, topic)%pushShards]
	select {
	case ch <- pushJob{topic: topic, payload: payload}:
		return nil
	default:
		q.queueFull.Inc()
		return ErrPushQueueFull
	}
}

func (q *pushQueue) work(ch chan pushJob) {
	defer q.wg.Done()
	for j := range ch {
		ctx, cancel := context.WithTimeout(context.Background(), q.hub.opts.WriteTimeout)
		if err := q.hub.broker.Publish(ctx, j.topic, j.payload); err != nil {
			q.brokerErr.Inc()
		}
		cancel()
	}
}

// close stops queuing (later pushes are published synchronously) and waits
// until the queued ones are sent, or ctx ends.
func (q *pushQueue) close(ctx context.Context) error {
	q.mu.Lock()
	if !q.stop {
		q.stop = true
		for _, ch := range q.shards {
			close(ch)
		}
	}
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
