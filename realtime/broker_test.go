package realtime

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a Receiver that records what a broker delivers.
type recorder struct {
	msgs    chan recorded
	resyncs chan struct{}
}

type recorded struct {
	topic   string
	payload string
}

func newRecorder() *recorder {
	return &recorder{msgs: make(chan recorded, 10000), resyncs: make(chan struct{}, 100)}
}

func (r *recorder) Receive(topic string, payload []byte) {
	r.msgs <- recorded{topic, string(payload)}
}

func (r *recorder) Resync() { r.resyncs <- struct{}{} }

// next returns the next delivered message, failing after a generous wait.
func (r *recorder) next(t *testing.T) recorded {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message delivered")
		return recorded{}
	}
}

// lateRecorder counts messages received after the Unsubscribe of their
// round returned; payloads are round numbers.
type lateRecorder struct {
	unsubscribed atomic.Int64 // last round whose Unsubscribe returned
	late         atomic.Int64
}

func (r *lateRecorder) Receive(topic string, payload []byte) {
	round, _ := strconv.ParseInt(string(payload), 10, 64)
	if r.unsubscribed.Load() >= round {
		r.late.Add(1)
	}
}

func (r *lateRecorder) Resync() {}

// brokerFactory returns a running broker delivering to recv, closed by the
// test's cleanup unless the test closes it.
type brokerFactory func(t *testing.T, recv Receiver) Broker

// testBroker is the contract every Broker implementation must meet.
func testBroker(t *testing.T, factory brokerFactory) {
	ctx := context.Background()
	publish := func(t *testing.T, b Broker, topic, payload string) {
		t.Helper()
		if err := b.Publish(ctx, topic, []byte(payload)); err != nil {
			t.Fatalf("Publish(%q): %v", topic, err)
		}
	}
	subscribe := func(t *testing.T, b Broker, topics ...string) {
		t.Helper()
		if err := b.Subscribe(ctx, topics...); err != nil {
			t.Fatalf("Subscribe: %v", err)
		}
	}

	t.Run("delivered_after_subscribe", func(t *testing.T) {
		r := newRecorder()
		b := factory(t, r)
		subscribe(t, b, "a")
		publish(t, b, "a", "hello")
		if got := r.next(t); got != (recorded{"a", "hello"}) {
			t.Fatalf("got %+v", got)
		}
	})

	t.Run("not_after_unsubscribe", func(t *testing.T) {
		r := newRecorder()
		b := factory(t, r)
		subscribe(t, b, "a", "marker")
		if err := b.Unsubscribe(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		publish(t, b, "a", "late")
		publish(t, b, "marker", "end") // published after: arrives after "late" would have
		if got := r.next(t); got.topic != "marker" {
			t.Fatalf("got %+v after unsubscribe, want only the marker", got)
		}
	})

	t.Run("none_after_unsubscribe_returns", func(t *testing.T) {
		// A message published while subscribed may be delivered or lost,
		// but never once Unsubscribe has returned.
		r := &lateRecorder{}
		b := factory(t, r)
		const rounds = 2000
		for i := int64(1); i <= rounds; i++ {
			subscribe(t, b, "a")
			publish(t, b, "a", strconv.FormatInt(i, 10))
			if err := b.Unsubscribe(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			r.unsubscribed.Store(i)
		}
		if err := b.Close(); err != nil { // no Receive call after Close returns
			t.Fatalf("Close: %v", err)
		}
		if n := r.late.Load(); n > 0 {
			t.Fatalf("%d of %d messages delivered after Unsubscribe returned", n, rounds)
		}
	})

	t.Run("only_subscribed_topics", func(t *testing.T) {
		r := newRecorder()
		b := factory(t, r)
		subscribe(t, b, "mine")
		publish(t, b, "other", "x")
		publish(t, b, "mine", "y")
		if got := r.next(t); got != (recorded{"mine", "y"}) {
			t.Fatalf("got %+v, want only the subscribed topic", got)
		}
	})

	t.Run("per_topic_order", func(t *testing.T) {
		r := newRecorder()
		b := factory(t, r)
		subscribe(t, b, "a")
		const n = 1000
		for i := range n {
			publish(t, b, "a", strconv.Itoa(i))
		}
		for i := range n {
			if got := r.next(t); got.payload != strconv.Itoa(i) {
				t.Fatalf("message %d: got %q", i, got.payload)
			}
		}
	})

	t.Run("many_topics", func(t *testing.T) {
		r := newRecorder()
		b := factory(t, r)
		const n = 300
		topics := make([]string, n)
		for i := range topics {
			topics[i] = "cell:" + strconv.Itoa(i)
		}
		subscribe(t, b, topics...)
		for _, tp := range topics {
			publish(t, b, tp, tp)
		}
		seen := map[string]bool{}
		for range n {
			m := r.next(t)
			if m.topic != m.payload || seen[m.topic] {
				t.Fatalf("unexpected %+v", m)
			}
			seen[m.topic] = true
		}
	})

	t.Run("concurrent_publishers", func(t *testing.T) {
		r := newRecorder()
		b := factory(t, r)
		const pubs, each, topics = 8, 100, 4
		var all []string
		for i := range topics {
			all = append(all, "t"+strconv.Itoa(i))
		}
		subscribe(t, b, all...)
		var wg sync.WaitGroup
		for p := range pubs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					tp := all[i%topics]
					if err := b.Publish(ctx, tp, fmt.Appendf(nil, "%d/%d", p, i)); err != nil {
						t.Errorf("Publish: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		last := map[string]int{} // publisher/topic → last sequence seen
		for range pubs * each {
			m := r.next(t)
			var p, i int
			if _, err := fmt.Sscanf(m.payload, "%d/%d", &p, &i); err != nil {
				t.Fatalf("bad payload %q", m.payload)
			}
			key := fmt.Sprintf("%d/%s", p, m.topic)
			if prev, ok := last[key]; ok && i <= prev {
				t.Fatalf("publisher %d topic %s: %d after %d", p, m.topic, i, prev)
			}
			last[key] = i
		}
	})

	t.Run("close_ends_goroutines", func(t *testing.T) {
		before := runtime.NumGoroutine()
		r := newRecorder()
		b := factory(t, r)
		subscribe(t, b, "a")
		publish(t, b, "a", "x")
		r.next(t)
		if err := b.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := b.Publish(ctx, "a", []byte("y")); err == nil {
			t.Fatal("Publish after Close succeeded")
		}
		waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
	})
}

// waitFor polls cond until it holds, failing after 10 seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMemoryBroker(t *testing.T) {
	testBroker(t, func(t *testing.T, recv Receiver) Broker {
		b := NewMemoryBroker(recv)
		t.Cleanup(func() { _ = b.Close() })
		return b
	})
}

// waitLong is the generous upper bound for events that must happen.
func waitLong() <-chan time.Time { return time.After(10 * time.Second) }
