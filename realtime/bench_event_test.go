package realtime

import (
	"context"
	"testing"
	"time"
)

// discardBroker drops what is published.
type discardBroker struct{}

func (discardBroker) Publish(context.Context, string, []byte) error { return nil }
func (discardBroker) Subscribe(context.Context, ...string) error    { return nil }
func (discardBroker) Unsubscribe(context.Context, ...string) error  { return nil }
func (discardBroker) Close() error                                  { return nil }

// BenchmarkPublishPochaEncode is PublishPocha of one move to a broker that
// drops it: the hub's own work per location update (the event's JSON and
// the payload), without the broker's.
func BenchmarkPublishPochaEncode(b *testing.B) {
	h, err := NewHub(Options{}, newFakeMap())
	if err != nil {
		b.Fatal(err)
	}
	h.SetBroker(discardBroker{})
	ctx := context.Background()
	topics := []string{"cell:882830828bfffff", "cell:882830828dfffff"}
	ev := PochaEvent{Type: TypePochaMoved, ID: 4821, Name: "종로 포차", Lat: 37.570123456789, Lng: 126.982345678901,
		At: time.Date(2026, 11, 25, 19, 30, 0, 123456000, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		ev.At = ev.At.Add(time.Second)
		if err := h.PublishPocha(ctx, ev, topics); err != nil {
			b.Fatal(err)
		}
	}
}
