package realtime

import (
	"testing"
	"time"
)

// BenchmarkReceiveFanout measures one broker message delivered to 1,000
// local watchers of its topic (decode once, filter per connection, queue).
// Writers are held off so only the hub's work is timed.
func BenchmarkReceiveFanout(b *testing.B) {
	h, err := NewHub(Options{SendQueue: 1 << 30}, newFakeMap(), &fakeInbound{})
	if err != nil {
		b.Fatal(err)
	}
	const watchers = 1000
	topic := testTopic(centerLat, centerLng)
	for i := range watchers {
		lat, lng := offset(float64(i%40)*50, float64(i/40)*50)
		c := &conn{hub: h, writing: true, w: &watchState{lat: lat, lng: lng, radiusM: 1000}}
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
