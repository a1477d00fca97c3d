package realtime

import "testing"

// TestDeliverFilter drives the per-connection filter directly.
func TestDeliverFilter(t *testing.T) {
	h, err := NewHub(Options{}, newFakeMap())
	if err != nil {
		t.Fatal(err)
	}
	c := &conn{hub: h, w: &watchState{circle: newCircle(centerLat, centerLng, 1000)}}
	// Pretend a writer is running so nothing is written to a socket.
	c.writing = true
	ev := func(kind byte, id uint64, p [2]float64, at int64) *envelope {
		e, err := decodeEnvelope(encodeEnvelope(kind, id, p[0], p[1], at, []byte{kind, byte(id)}))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	steps := []struct {
		name string
		e    *envelope
		want string // "", "event" or "left"
	}{
		{"unknown_outside_dropped", ev(kindMoved, 1, pt(2000, 0), 10), ""},
		{"inside_sent", ev(kindMoved, 1, pt(100, 0), 11), "event"},
		{"duplicate_dropped", ev(kindMoved, 1, pt(100, 0), 11), ""},
		{"older_dropped", ev(kindMoved, 1, pt(200, 0), 5), ""},
		{"out_sends_left", ev(kindMoved, 1, pt(2000, 0), 12), "left"},
		{"outside_again_dropped", ev(kindMoved, 1, pt(2100, 0), 13), ""},
		{"stale_inside_after_left_dropped", ev(kindMoved, 1, pt(100, 0), 12), ""},
		{"back_in_sent", ev(kindOpened, 1, pt(100, 0), 14), "event"},
		{"closed_known_sent", ev(kindClosed, 1, pt(100, 0), 15), "event"},
		{"closed_unknown_dropped", ev(kindClosed, 2, pt(100, 0), 15), ""},
	}
	for _, s := range steps {
		before := len(c.queue)
		c.deliverLocked(s.e)
		var got string
		if len(c.queue) > before {
			switch string(c.queue[len(c.queue)-1]) {
			case string(s.e.json):
				got = "event"
			case string(s.e.leftJSON()):
				got = "left"
			default:
				got = "other"
			}
		}
		if got != s.want {
			t.Fatalf("%s: sent %q, want %q", s.name, got, s.want)
		}
	}
}

func TestTombstonesSwept(t *testing.T) {
	w := &watchState{}
	for id := range uint64(maxTombstones + 10) {
		setKnown(w, id, 1, false)
	}
	setKnown(w, 100000, 1, true)
	if len(w.known) > maxTombstones+1 {
		t.Fatalf("%d entries kept", len(w.known))
	}
	if k, ok := w.known[100000]; !ok || !k.in {
		t.Fatal("visible stall swept")
	}
}

// setKnown is updateKnown after its own lookup.
func setKnown(w *watchState, id uint64, at int64, in bool) {
	old, had := w.known[id]
	w.updateKnown(id, at, in, old, had)
}
