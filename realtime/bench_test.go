package realtime

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkReceiveFanout measures one broker message delivered to 1,000
// local watchers of its topic (decode once, filter per connection, queue).
// Writers are held off so only the hub's work is timed.
func BenchmarkReceiveFanout(b *testing.B) {
	h, err := NewHub(Options{SendQueue: 1 << 30}, newFakeMap())
	if err != nil {
		b.Fatal(err)
	}
	const watchers = 1000
	topic := testTopic(centerLat, centerLng)
	for i := range watchers {
		lat, lng := offset(float64(i%40)*50, float64(i/40)*50)
		c := &conn{hub: h, writing: true, w: &watchState{circle: newCircle(lat, lng, 1000)}}
		h.conns[c] = struct{}{}
		h.addToTopicLocked(c, topic)
	}
	ev := PochaEvent{Type: TypePochaMoved, ID: 1, Name: "종로 포차", Lat: centerLat, Lng: centerLng}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ev.At = time.Unix(0, int64(i+1))
		msg := encodeEnvelope(kindMoved, ev.ID, ev.Lat, ev.Lng, ev.At.UnixNano(), []byte(`{"type":"pocha.moved"}`))
		h.Receive(topic, msg)
		if i%64 == 63 {
			for c := range h.conns {
				c.queue = c.queue[:0]
			}
		}
	}
}

// countingReceiver passes messages to a Hub and counts them.
type countingReceiver struct {
	*Hub
	n atomic.Int64
}

func (r *countingReceiver) Receive(topic string, payload []byte) {
	r.Hub.Receive(topic, payload)
	r.n.Add(1)
}

// BenchmarkMemoryBrokerFanout measures moves published through a
// MemoryBroker to a hub with 1,000 watchers spread over 16 topics (62 or 63
// per topic), with one delivery shard and with the default number. The
// publisher keeps at most 256 messages in flight, so nothing is dropped.
func BenchmarkMemoryBrokerFanout(b *testing.B) {
	for _, shards := range []int{1, 0} {
		name := "shards=default"
		if shards > 0 {
			name = "shards=" + strconv.Itoa(shards)
		}
		b.Run(name, func(b *testing.B) {
			h, err := NewHub(Options{SendQueue: 1 << 30}, newFakeMap())
			if err != nil {
				b.Fatal(err)
			}
			r := &countingReceiver{Hub: h}
			var br *MemoryBroker
			if shards > 0 {
				br = newMemoryBroker(r, shards, memoryQueueSize)
			} else {
				br = NewMemoryBroker(r)
			}
			defer br.Close()
			const watchers, topics = 1000, 16
			names := make([]string, topics)
			for i := range names {
				names[i] = "cell:" + strconv.Itoa(i)
			}
			if err := br.Subscribe(context.Background(), names...); err != nil {
				b.Fatal(err)
			}
			for i := range watchers {
				lat, lng := offset(float64(i%40)*50, float64(i/40)*50)
				c := &conn{hub: h, writing: true, w: &watchState{circle: newCircle(lat, lng, 1000)}}
				h.conns[c] = struct{}{}
				h.addToTopicLocked(c, names[i%topics])
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				for int64(i)-r.n.Load() >= 256 {
					runtime.Gosched()
				}
				at := int64(i + 1)
				msg := encodeEnvelope(kindMoved, uint64(i%100+1), centerLat, centerLng, at, []byte(`{"type":"pocha.moved"}`))
				if err := br.Publish(ctx, names[i%topics], msg); err != nil {
					b.Fatal(err)
				}
				if i%4096 == 4095 {
					for int64(i+1) != r.n.Load() {
						runtime.Gosched()
					}
					for c := range h.conns { // every Receive has returned
						c.queue = c.queue[:0]
					}
				}
			}
			for int64(b.N) != r.n.Load() {
				runtime.Gosched()
			}
		})
	}
}
