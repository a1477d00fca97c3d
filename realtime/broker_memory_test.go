package realtime

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// gateRecorder is a recorder whose Receive blocks on messages of one topic
// until released, and which counts the drops its broker reports.
type gateRecorder struct {
	*recorder
	gate    string        // topic whose Receive calls block
	entered chan string   // payload of each blocked Receive, on entry
	release chan struct{} // closed to unblock them
	once    sync.Once

	drops    atomic.Int64
	mu       sync.Mutex
	badDrops []string // reasons other than DropQueueFull
}

func newGateRecorder(gate string) *gateRecorder {
	return &gateRecorder{recorder: newRecorder(), gate: gate, entered: make(chan string, 10000), release: make(chan struct{})}
}

func (r *gateRecorder) Receive(topic string, payload []byte) {
	if topic == r.gate {
		r.entered <- string(payload)
		<-r.release
	}
	r.recorder.Receive(topic, payload)
}

func (r *gateRecorder) BrokerDropped(reason string) {
	r.drops.Add(1)
	if reason != DropQueueFull {
		r.mu.Lock()
		r.badDrops = append(r.badDrops, reason)
		r.mu.Unlock()
	}
}

func (r *gateRecorder) open() { r.once.Do(func() { close(r.release) }) }

// waitEntered waits until a gated Receive has started and returns its payload.
func (r *gateRecorder) waitEntered(t *testing.T) string {
	t.Helper()
	select {
	case p := <-r.entered:
		return p
	case <-waitLong():
		t.Fatal("the gated message was not received")
		return ""
	}
}

// mustMemoryBroker starts a MemoryBroker with the given shards and queue
// size; the cleanup opens r's gate before closing the broker.
func mustMemoryBroker(t *testing.T, r *gateRecorder, shards, queue int) *MemoryBroker {
	t.Helper()
	b := newMemoryBroker(r, shards, queue)
	t.Cleanup(func() {
		r.open()
		_ = b.Close()
	})
	return b
}

func TestMemoryBrokerCountsDrops(t *testing.T) {
	ctx := context.Background()
	r := newGateRecorder("a")
	const queue = 8
	b := mustMemoryBroker(t, r, 1, queue)
	if err := b.Subscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	publish := func(i int) {
		t.Helper()
		if err := b.Publish(ctx, "a", []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	publish(0)
	if p := r.waitEntered(t); p != "0" { // taken off the queue, blocked in Receive
		t.Fatalf("first Receive got %q", p)
	}
	for i := 1; i <= queue; i++ { // fills the queue exactly
		publish(i)
	}
	if n := r.drops.Load(); n != 0 {
		t.Fatalf("%d drops before the queue was full", n)
	}
	const extra = 5
	for i := range extra {
		publish(queue + 1 + i)
	}
	if n := r.drops.Load(); n != extra {
		t.Fatalf("%d drops counted, want %d", n, extra)
	}
	r.open()
	for i := 0; i <= queue; i++ {
		if got := r.next(t); got.payload != strconv.Itoa(i) {
			t.Fatalf("message %d: got %q", i, got.payload)
		}
	}
	publish(100) // the queue has room again
	if got := r.next(t); got.payload != "100" {
		t.Fatalf("after the backlog: got %q", got.payload)
	}
	if n := r.drops.Load(); n != extra {
		t.Fatalf("%d drops counted in the end, want %d", n, extra)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.badDrops) > 0 {
		t.Fatalf("drops with reasons %v, want only %q", r.badDrops, DropQueueFull)
	}
}

// topicsInShards returns topics named prefix+i, one in each of b's shards
// in shard order.
func topicsInShards(t *testing.T, b *MemoryBroker, prefix string) []string {
	t.Helper()
	out := make([]string, len(b.shards))
	found := 0
	for i := 0; found < len(out); i++ {
		if i > 100000 {
			t.Fatal("could not find a topic for every shard")
		}
		tp := prefix + strconv.Itoa(i)
		if s := b.shardOf(tp); out[s] == "" {
			out[s] = tp
			found++
		}
	}
	return out
}

func TestMemoryBrokerBusyTopicStallsOnlyItsShard(t *testing.T) {
	ctx := context.Background()
	r := newGateRecorder("")
	b := mustMemoryBroker(t, r, 4, 4)
	topics := topicsInShards(t, b, "cell:")
	hot, cold := topics[0], topics[1]
	r.gate = hot // before any delivery: no race
	if err := b.Subscribe(ctx, hot, cold); err != nil {
		t.Fatal(err)
	}
	for i := range 10 { // one blocked in Receive, 4 queued, 5 dropped
		if err := b.Publish(ctx, hot, []byte("hot"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			r.waitEntered(t)
		}
	}
	if n := r.drops.Load(); n != 5 {
		t.Fatalf("%d drops on the busy shard, want 5", n)
	}
	for i := range 3 {
		if err := b.Publish(ctx, cold, []byte("cold"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
		if got := r.next(t); got != (recorded{cold, "cold" + strconv.Itoa(i)}) {
			t.Fatalf("while %s is blocked: got %+v", hot, got)
		}
	}
	// Unsubscribe waits only for the deliveries of its own topics' shards.
	done := make(chan error, 1)
	go func() { done <- b.Unsubscribe(ctx, cold) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-waitLong():
		t.Fatal("Unsubscribe of an idle shard waited for the busy one")
	}
	r.open()
	for i := range 5 {
		if got := r.next(t); got != (recorded{hot, "hot" + strconv.Itoa(i)}) {
			t.Fatalf("hot message %d: got %+v", i, got)
		}
	}
}

// TestMemoryBrokerShardOrder publishes on many topics at once, one
// publisher per topic, over fewer shards than topics, and checks that each
// topic arrives complete, in order, and never in two Receive calls at once.
func TestMemoryBrokerShardOrder(t *testing.T) {
	ctx := context.Background()
	const topics, each = 24, 150
	r := &orderRecorder{next: map[string]int{}, busy: map[string]bool{}}
	b := newMemoryBroker(r, 4, topics*each) // room for everything: nothing dropped
	t.Cleanup(func() { _ = b.Close() })
	names := make([]string, topics)
	for i := range names {
		names[i] = "cell:" + strconv.Itoa(i)
	}
	if err := b.Subscribe(ctx, names...); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, tp := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := b.Publish(ctx, tp, []byte(strconv.Itoa(i))); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	waitFor(t, "every message", func() bool { return r.total.Load() == topics*each })
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != "" {
		t.Fatal(r.err)
	}
	for _, tp := range names {
		if r.next[tp] != each {
			t.Fatalf("topic %s: %d messages, want %d", tp, r.next[tp], each)
		}
	}
}

// orderRecorder checks per-topic order and that calls for one topic never
// overlap.
type orderRecorder struct {
	mu    sync.Mutex
	next  map[string]int  // topic → expected next sequence number
	busy  map[string]bool // topic → a Receive call is running
	err   string
	total atomic.Int64
}

func (r *orderRecorder) Receive(topic string, payload []byte) {
	r.mu.Lock()
	if r.busy[topic] && r.err == "" {
		r.err = "overlapping Receive calls for " + topic
	}
	r.busy[topic] = true
	if i, _ := strconv.Atoi(string(payload)); i != r.next[topic] && r.err == "" {
		r.err = topic + ": got " + string(payload) + ", want " + strconv.Itoa(r.next[topic])
	}
	r.next[topic]++
	r.mu.Unlock()
	runtime.Gosched() // give another shard the chance to overlap
	r.mu.Lock()
	r.busy[topic] = false
	r.mu.Unlock()
	r.total.Add(1)
}

func (r *orderRecorder) Resync() {}

func TestHubCountsBrokerDrops(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	h, err := NewHub(Options{Registerer: reg}, newFakeMap())
	if err != nil {
		t.Fatal(err)
	}
	const queue = 4
	b := newMemoryBroker(h, 1, queue)
	t.Cleanup(func() { _ = b.Close() })
	h.SetBroker(b)
	if err := b.Subscribe(ctx, "user:1"); err != nil {
		t.Fatal(err)
	}
	payload := encodeEnvelope(kindUser, 1, 0, 0, 1, []byte(`{"type":"notification"}`))
	h.mu.Lock() // Receive waits for the hub's lock: the receiver is blocked
	locked := true
	defer func() {
		if locked {
			h.mu.Unlock()
		}
	}()
	if err := b.Publish(ctx, "user:1", payload); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first message to be taken", func() bool { return len(b.shards[0].queue) == 0 })
	for range queue + 3 {
		if err := b.Publish(ctx, "user:1", payload); err != nil {
			t.Fatal(err)
		}
	}
	h.mu.Unlock()
	locked = false
	waitFor(t, "the queued messages", func() bool { return counterValue(t, reg, "illuwa_broker_messages_received_total", "") == 1+queue })
	if got := counterValue(t, reg, "illuwa_broker_messages_dropped_total", DropQueueFull); got != 3 {
		t.Fatalf("dropped{reason=queue_full} = %v, want 3", got)
	}
	h.BrokerDropped(DropUnknownChannel)
	h.BrokerDropped("no such reason")
	if got := counterValue(t, reg, "illuwa_broker_messages_dropped_total", DropUnknownChannel); got != 1 {
		t.Fatalf("dropped{reason=unknown_channel} = %v, want 1", got)
	}
	if got := counterValue(t, reg, "illuwa_broker_messages_dropped_total", "other"); got != 1 {
		t.Fatalf("dropped{reason=other} = %v, want 1", got)
	}
}

// counterValue returns the counter name from reg: the one whose label
// "reason" is reason, or the unlabelled one when reason is "". It fails
// when there is none.
func counterValue(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			got := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" {
					got = l.GetValue()
				}
			}
			if got == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no counter %s{reason=%q}", name, reason)
	return 0
}
