package realtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/illuwa/illuwa/geo/redistest"
)

// pipelineCounter is a go-redis hook that records the PUBLISH commands
// of every pipeline and counts PUBLISH commands sent alone.
type pipelineCounter struct {
	mu      sync.Mutex
	sizes   []int
	singles int
}

func (p *pipelineCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (p *pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "publish" {
			p.mu.Lock()
			p.singles++
			p.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (p *pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		n := 0
		for _, c := range cmds {
			if c.Name() == "publish" {
				n++
			}
		}
		if n > 0 { // connection set-up runs as a pipeline too
			p.mu.Lock()
			p.sizes = append(p.sizes, n)
			p.mu.Unlock()
		}
		return next(ctx, cmds)
	}
}

func (p *pipelineCounter) snapshot() (sizes []int, singles int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int(nil), p.sizes...), p.singles
}

// mustCountedRedisBroker is mustRedisBroker with a pipelineCounter on its
// client.
func mustCountedRedisBroker(t *testing.T, recv Receiver) (*RedisBroker, *pipelineCounter) {
	t.Helper()
	name := randomName("illuwa-test-")
	client := mustRedis(t, name)
	pc := &pipelineCounter{}
	client.AddHook(pc)
	b, err := NewRedisBroker(client, name+":", recv)
	if err != nil {
		t.Fatalf("NewRedisBroker: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, pc
}

// holdBatcher takes every round-trip slot of the broker's batcher, as if
// maxInFlight round trips were in flight, so that publishes queue however
// many; release ends those pretend round trips, the last one as a round
// trip ends (waking the first queued call to send the queue).
func holdBatcher(b *RedisBroker) (release func()) {
	b.pub.mu.Lock()
	b.pub.inflight = maxInFlight
	b.pub.mu.Unlock()
	return func() {
		b.pub.mu.Lock()
		b.pub.inflight = 1
		b.pub.mu.Unlock()
		b.pub.handOff()
	}
}

func queued(b *RedisBroker) int {
	b.pub.mu.Lock()
	defer b.pub.mu.Unlock()
	return len(b.pub.queue)
}

func TestRedisPublishQueuedCallsShareOnePipeline(t *testing.T) {
	r := newRecorder()
	b, pc := mustCountedRedisBroker(t, r)
	ctx := context.Background()
	if err := b.Subscribe(ctx, "a", "b"); err != nil {
		t.Fatal(err)
	}
	release := holdBatcher(b)
	const callers = 20
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			// Each caller sends to two topics in one call, "a" first.
			errs <- b.PublishTopics(ctx, []string{"a", "b"}, []byte(strconv.Itoa(i)))
		}()
	}
	waitFor(t, "every call to queue", func() bool { return queued(b) == callers })
	if sizes, singles := pc.snapshot(); len(sizes) != 0 || singles != 0 {
		t.Fatalf("sent while a round trip was in flight: pipelines %v, singles %d", sizes, singles)
	}
	release()
	for range callers {
		if err := <-errs; err != nil {
			t.Fatalf("PublishTopics: %v", err)
		}
	}
	sizes, singles := pc.snapshot()
	if len(sizes) != 1 || sizes[0] != 2*callers || singles != 0 {
		t.Fatalf("pipelines %v and %d single commands, want one pipeline of %d", sizes, singles, 2*callers)
	}
	// Every message once; each caller's "a" before its "b" (one
	// connection, commands executed in pipeline order).
	seen := map[recorded]bool{}
	gotA := map[string]bool{}
	for range 2 * callers {
		m := r.next(t)
		if seen[m] {
			t.Fatalf("duplicate %+v", m)
		}
		seen[m] = true
		switch m.topic {
		case "a":
			gotA[m.payload] = true
		case "b":
			if !gotA[m.payload] {
				t.Fatalf("caller %s: b delivered before a", m.payload)
			}
		}
	}
}

func TestRedisPublishCancelledWhileQueuedIsNotSent(t *testing.T) {
	r := newRecorder()
	b, pc := mustCountedRedisBroker(t, r)
	bg := context.Background()
	if err := b.Subscribe(bg, "a"); err != nil {
		t.Fatal(err)
	}
	release := holdBatcher(b)
	ctx, cancel := context.WithCancel(bg)
	errc := make(chan error, 1)
	go func() { errc <- b.Publish(ctx, "a", []byte("cancelled")) }()
	waitFor(t, "the call to queue", func() bool { return queued(b) == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "realtime: ") {
		t.Fatalf("Publish after cancel: %v, want a wrapped context.Canceled", err)
	}
	if n := queued(b); n != 0 {
		t.Fatalf("%d calls still queued after the cancel", n)
	}
	release() // nothing queued: the batcher goes idle
	if err := b.Publish(bg, "a", []byte("marker")); err != nil {
		t.Fatal(err)
	}
	if got := r.next(t); got.payload != "marker" {
		t.Fatalf("got %+v, want only the marker", got)
	}
	if sizes, singles := pc.snapshot(); len(sizes) != 0 || singles != 1 {
		t.Fatalf("pipelines %v, singles %d: want the marker alone", sizes, singles)
	}
	if err := b.Publish(ctx, "a", []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Publish with an ended ctx: %v", err)
	}
}

func TestRedisPublishConcurrentCallersKeepTheirOrder(t *testing.T) {
	r := newRecorder()
	b, pc := mustCountedRedisBroker(t, r)
	ctx := context.Background()
	topics := []string{"t0", "t1", "t2"}
	if err := b.Subscribe(ctx, topics...); err != nil {
		t.Fatal(err)
	}
	const callers, each = 16, 150 // 2,400 messages, within the recorder's buffer
	var wg sync.WaitGroup
	for g := range callers {
		wg.Go(func() {
			for i := range each {
				topic := topics[(g+i)%len(topics)]
				if err := b.Publish(ctx, topic, []byte(fmt.Sprintf("%d:%d", g, i))); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Publishes of one caller come one after another, so even across
	// topics they are delivered in the caller's order (one connection).
	next := make([]int, callers)
	for range callers * each {
		m := r.next(t)
		gs, is, _ := strings.Cut(m.payload, ":")
		g, _ := strconv.Atoi(gs)
		i, _ := strconv.Atoi(is)
		if i != next[g] {
			t.Fatalf("caller %d: got message %d, want %d", g, i, next[g])
		}
		next[g]++
	}
	sizes, singles := pc.snapshot()
	total := singles
	for _, s := range sizes {
		total += s
	}
	if total != callers*each {
		t.Fatalf("%d PUBLISH commands sent, want %d", total, callers*each)
	}
	t.Logf("%d pipelines, %d single publishes", len(sizes), singles)
}

func TestPublishPochaOneCallForBothTopics(t *testing.T) {
	h, err := NewHub(Options{}, newFakeMap())
	if err != nil {
		t.Fatal(err)
	}
	mp := &multiRecorder{}
	h.SetBroker(mp)
	ev := PochaEvent{Type: TypePochaMoved, ID: 3, Lat: centerLat, Lng: centerLng, At: tick()}
	if err := h.PublishPocha(context.Background(), ev, []string{"x", "y", "x"}); err != nil {
		t.Fatal(err)
	}
	if len(mp.calls) != 1 || strings.Join(mp.calls[0], ",") != "x,y" || mp.singles != 0 {
		t.Fatalf("calls %v, singles %d: want one PublishTopics(x, y)", mp.calls, mp.singles)
	}
}

// multiRecorder is a MultiPublisher that records its calls.
type multiRecorder struct {
	calls   [][]string
	singles int
}

func (m *multiRecorder) Publish(ctx context.Context, topic string, payload []byte) error {
	m.singles++
	return nil
}

func (m *multiRecorder) PublishTopics(ctx context.Context, topics []string, payload []byte) error {
	m.calls = append(m.calls, append([]string(nil), topics...))
	return nil
}
func (m *multiRecorder) Subscribe(ctx context.Context, topics ...string) error   { return nil }
func (m *multiRecorder) Unsubscribe(ctx context.Context, topics ...string) error { return nil }
func (m *multiRecorder) Close() error                                            { return nil }

func TestDedupTopics(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {"a", "a"}, {"a,b", "a,b"}, {"a,a", "a"}, {"a,b,a,c,b", "a,b,c"},
	} {
		var in []string
		if tc.in != "" {
			in = strings.Split(tc.in, ",")
		}
		if got := strings.Join(dedupTopics(in), ","); got != tc.want {
			t.Errorf("dedupTopics(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLocationsRefusedPastTheInFlightBound(t *testing.T) {
	forEachBroker(t, func(t *testing.T, mk brokerMaker) {
		e := newEnv(t, Options{MaxLocationsInFlight: 1}, nil, mk)
		a := e.dial(t, "user=7&role=owner")
		b := e.dial(t, "user=8&role=owner")
		loc := func(ref string) []byte {
			return []byte(`{"type":"location","ref":"` + ref + `","pocha_id":12,"lat":37.57,"lng":126.99,"at":"2026-11-25T08:00:00.123Z"}`)
		}
		e.in.mu.Lock() // Location blocks: a's location stays in flight
		a.sendRaw(1, loc("A"))
		waitFor(t, "a's location to be in flight", func() bool { return e.in.locations.Load() == 1 })
		b.sendRaw(1, loc("B1"))
		if m := b.expect(TypeError); m["code"] != CodeRateLimited || m["ref"] != "B1" {
			e.in.mu.Unlock()
			t.Fatalf("got %v, want rate_limited for B1", m)
		}
		e.in.mu.Unlock()
		if got := counterNow(t, e.hub.metrics.locRefused); got != 1 {
			t.Fatalf("illuwa_ws_locations_refused_total = %v, want 1", got)
		}
		waitFor(t, "a's location to finish", func() bool { return e.hub.locationsInFlight.Load() == 0 })
		b.sendRaw(1, loc("B2")) // a slot is free again: accepted, no reply
		waitFor(t, "b's second location to be handled", func() bool { return e.in.locations.Load() == 2 })
		waitFor(t, "the slot to be returned", func() bool { return e.hub.locationsInFlight.Load() == 0 })
		if got := counterNow(t, e.hub.metrics.locRefused); got != 1 {
			t.Fatalf("illuwa_ws_locations_refused_total = %v, want still 1", got)
		}
	})
}

// counterNow reads a counter's current value.
func counterNow(t *testing.T, c interface{ Write(*dto.Metric) error }) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestLocationsRefusedPastTheSendBacklog holds a watcher's writer (an
// in-process stream nobody reads) while events queue on it: past
// MaxSendBacklog locations are refused, as past the in-flight bound; once
// the consumer reads, they are accepted again, and the backlog counts
// nothing left behind by a connection that closed with messages queued.
func TestLocationsRefusedPastTheSendBacklog(t *testing.T) {
	forEachBroker(t, func(t *testing.T, mk brokerMaker) {
		e := newEnv(t, Options{MaxSendBacklog: 5}, nil, mk)
		ctx := context.Background()
		s, err := e.hub.OpenStream(ctx, Identity{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Watch(ctx, centerLat, centerLng, 1000); err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			e.move(t, TypePochaMoved, uint64(100+i), pt(0, float64(10*i)), pt(0, float64(10*i+5)))
		}
		waitFor(t, "the events to queue on the stream", func() bool { return e.hub.backlog.Load() > 5 })
		owner := e.dial(t, "user=7&role=owner")
		loc := func(ref string) []byte {
			return []byte(`{"type":"location","ref":"` + ref + `","pocha_id":12,"lat":37.57,"lng":126.99,"at":"2026-11-25T08:00:00.123Z"}`)
		}
		owner.sendRaw(1, loc("L1"))
		if m := owner.expect(TypeError); m["code"] != CodeRateLimited || m["ref"] != "L1" {
			t.Fatalf("got %v, want rate_limited for L1", m)
		}
		if got := counterNow(t, e.hub.metrics.locRefused); got != 1 {
			t.Fatalf("illuwa_ws_locations_refused_total = %v, want 1", got)
		}
		for range 9 { // the snapshot and the 8 events
			select {
			case <-s.Messages():
			case <-waitLong():
				t.Fatal("the stream's messages did not arrive")
			}
		}
		waitFor(t, "the backlog to drain", func() bool { return e.hub.backlog.Load() == 0 })
		owner.sendRaw(1, loc("L2"))
		waitFor(t, "the location to be accepted", func() bool { return e.in.locations.Load() == 1 })

		// A connection closed with messages queued leaves nothing behind.
		for i := range 40 {
			e.move(t, TypePochaMoved, uint64(100+i%8), pt(0, float64(i)), pt(0, float64(i+1)))
		}
		waitFor(t, "events to queue again", func() bool { return e.hub.backlog.Load() > 5 })
		if got := e.hub.backlog.Load(); got > backlogPerConn {
			t.Fatalf("backlog %d: one connection counts at most %d", got, backlogPerConn)
		}
		s.Close()
		waitFor(t, "the closed stream's messages to leave the backlog", func() bool { return e.hub.backlog.Load() == 0 })
	})
}

// TestRedisPublishRoundTripsInFlightAreBounded: the first publish goes out
// alone; the next ones queue behind it until extraTripQueue wait, and the
// one after them sends itself and the queue as one more round trip, up to
// maxInFlight round trips; past that every call queues, and when a round
// trip ends the first of them sends the queue as one pipeline. Every
// message arrives once.
func TestRedisPublishRoundTripsInFlightAreBounded(t *testing.T) {
	r := newRecorder()
	name := randomName("illuwa-test-")
	client := mustRedis(t, name)
	g := redistest.NewGate("publish")
	client.AddHook(g)
	b, err := NewRedisBroker(client, name+":", r)
	if err != nil {
		t.Fatalf("NewRedisBroker: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	ctx := context.Background()
	if err := b.Subscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Open) // let a failed test's calls end

	const extra = 6 // calls queued once every round trip is taken
	const callers = 1 + (maxInFlight-1)*(extraTripQueue+1) + extra
	errs := make(chan error, callers)
	for i := range callers {
		go func() { errs <- b.Publish(ctx, "a", []byte(strconv.Itoa(i))) }()
		// Each call is either in a round trip held at the gate or queued.
		waitFor(t, "the call to be sent or queued", func() bool { return g.Commands()+queued(b) == i+1 })
	}
	want := []int{1}
	for range maxInFlight - 1 {
		want = append(want, extraTripQueue+1)
	}
	sizes, inFlight, _ := g.State()
	if !slices.Equal(sizes, want) || inFlight != maxInFlight || queued(b) != extra {
		t.Fatalf("round trips %v, %d in flight, %d queued; want %v, %d, %d", sizes, inFlight, queued(b), want, maxInFlight, extra)
	}

	g.Let() // one round trip ends
	waitFor(t, "the queued calls' pipeline", func() bool { s, _, _ := g.State(); return len(s) == maxInFlight+1 })
	if sizes, _, _ := g.State(); sizes[maxInFlight] != extra {
		t.Fatalf("round trips %v; want the %d queued calls in one pipeline", sizes, extra)
	}
	if n := queued(b); n != 0 {
		t.Fatalf("%d calls still queued", n)
	}

	g.Open()
	for range callers {
		if err := <-errs; err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	if _, _, most := g.State(); most != maxInFlight {
		t.Fatalf("%d round trips in flight at most, want %d", most, maxInFlight)
	}
	got := map[string]bool{}
	for range callers {
		m := r.next(t)
		if got[m.payload] {
			t.Fatalf("duplicate %+v", m)
		}
		got[m.payload] = true
	}
	b.pub.mu.Lock()
	left := b.pub.inflight
	b.pub.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d round-trip slots still taken after every call ended", left)
	}
}
