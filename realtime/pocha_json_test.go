package realtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// checkPochaJSON asserts that appendPochaJSON writes what json.Marshal
// writes, after a prefix it keeps, or refuses where json.Marshal fails.
func checkPochaJSON(t testing.TB, m PochaMessage) {
	t.Helper()
	want, err := json.Marshal(m)
	prefix := []byte("head")
	got, ok := appendPochaJSON(prefix, &m)
	if err != nil {
		if ok {
			t.Fatalf("appendPochaJSON(%+v) = %s; encoding/json fails: %v", m, got, err)
		}
		return
	}
	if !ok || !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("appendPochaJSON(%+v)\n got %q (ok %v)\nwant %q", m, got, ok, want)
	}
}

var namePieces = []string{"종로", " 포차", "떡볶이", "a", "Z9", " ", `"`, `\`, "<", ">", "&", "\u2028", "\u2029", "\u2027",
	"\x00", "\x01", "\x1f", "\t", "\n", "\r", "\x7f", "\xff", "\xfe", "\xe2\x80", "\xed\xa0\x80", "\xc3", "🍢", "é", "/", "'"}

func randomEventName(rng *rand.Rand) string {
	var sb strings.Builder
	for range rng.IntN(8) {
		sb.WriteString(namePieces[rng.IntN(len(namePieces))])
	}
	return sb.String()
}

func randomCoord(rng *rand.Rand) float64 {
	switch rng.IntN(6) {
	case 0:
		return 37.45 + rng.Float64()*0.2
	case 1:
		return 126.85 + rng.Float64()*0.3
	case 2:
		return rng.Float64()*360 - 180
	case 3: // tiny, down to subnormal, either sign
		return math.Copysign(rng.Float64()*math.Pow(10, -float64(rng.IntN(325))), rng.Float64()-0.5)
	case 4: // any magnitude
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(600)-300))
	}
	return []float64{0, math.Copysign(0, -1), 90, -90, 180, -180, 1e-6, 9.99999e-7, 1e21, 1e20, 5e-324, math.MaxFloat64}[rng.IntN(12)]
}

var zones = []*time.Location{time.UTC, time.FixedZone("KST", 9*3600), time.FixedZone("", -(3*3600 + 30*60)), time.FixedZone("odd", 5*3600+45*60+17)}

func randomTime(rng *rand.Rand) time.Time {
	sec := rng.Int64N(253402300799+62135596800) - 62135596800 // years 1..9999 in UTC
	if rng.IntN(2) == 0 {
		sec = 1_700_000_000 + rng.Int64N(200_000_000)
	}
	var nsec int64
	switch rng.IntN(4) {
	case 1:
		nsec = rng.Int64N(1e9)
	case 2:
		nsec = rng.Int64N(1e6) * 1000
	case 3:
		nsec = rng.Int64N(1000) * 1e6
	}
	t := time.Unix(sec, nsec).In(zones[rng.IntN(len(zones))])
	if rng.IntN(2) == 0 {
		t = t.UTC() // as PublishPocha converts them
	}
	return t
}

// The hand encoder writes json.Marshal's bytes for random events: names
// with Korean, quotes, backslashes, control characters, HTML characters,
// U+2028/2029 and invalid UTF-8; coordinates of every magnitude; times with
// and without nanoseconds, in and out of UTC; with and without a reason.
func TestPochaJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(21, 22))
	types := []string{TypePochaMoved, TypePochaOpened, TypePochaClosed, TypePochaPaused}
	for range 100_000 {
		m := PochaMessage{Type: types[rng.IntN(len(types))], ID: rng.Uint64() >> rng.IntN(64), Name: randomEventName(rng),
			Lat: randomCoord(rng), Lng: randomCoord(rng), At: randomTime(rng), ServerTime: randomTime(rng)}
		switch rng.IntN(4) {
		case 0:
			m.Reason = "closed"
		case 1:
			m.Reason = randomEventName(rng)
		case 2:
			m.Type = randomEventName(rng)
		}
		checkPochaJSON(t, m)
	}
	// Where encoding/json fails, so does the hand encoder.
	ok := PochaMessage{Type: TypePochaMoved, ID: 1, Lat: 37.5, Lng: 127, At: time.Unix(1, 0).UTC(), ServerTime: time.Unix(2, 0).UTC()}
	for _, bad := range []func(*PochaMessage){
		func(m *PochaMessage) { m.Lat = math.NaN() }, func(m *PochaMessage) { m.Lng = math.Inf(1) },
		func(m *PochaMessage) { m.Lat = math.Inf(-1) },
		func(m *PochaMessage) { m.At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(m *PochaMessage) { m.ServerTime = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(m *PochaMessage) { m.At = time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)) },
	} {
		m := ok
		bad(&m)
		if _, err := json.Marshal(m); err == nil {
			t.Fatalf("encoding/json accepts %+v", m)
		}
		if _, good := appendPochaJSON(nil, &m); good {
			t.Fatalf("appendPochaJSON accepts %+v", m)
		}
	}
	checkPochaJSON(t, ok)
}

func FuzzPochaJSON(f *testing.F) {
	f.Add("pocha.moved", uint64(7), "종로 포차", "", 37.5665, 126.978, int64(1_764_000_000), int64(123456000), 9*3600)
	f.Add("pocha.closed", uint64(0), "\"<&>\\\u2028\xff", "expired", -1e-7, 5e-324, int64(-62135596800), int64(0), 0)
	f.Fuzz(func(t *testing.T, typ string, id uint64, name, reason string, lat, lng float64, sec, nsec int64, zone int) {
		at := time.Unix(sec, nsec).In(time.FixedZone("", zone%(48*3600)))
		checkPochaJSON(t, PochaMessage{Type: typ, ID: id, Name: name, Lat: lat, Lng: lng, At: at, Reason: reason, ServerTime: at.UTC()})
	})
}

// capturingBroker keeps what is published.
type capturingBroker struct {
	mu       sync.Mutex
	payloads [][]byte
}

func (b *capturingBroker) Publish(_ context.Context, _ string, p []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.payloads = append(b.payloads, p)
	return nil
}
func (*capturingBroker) Subscribe(context.Context, ...string) error   { return nil }
func (*capturingBroker) Unsubscribe(context.Context, ...string) error { return nil }
func (*capturingBroker) Close() error                                 { return nil }

// PublishPocha's payload is the header and json.Marshal of the message
// (with the server time it wrote), each payload a slice of its own; what
// encoding/json refuses is refused.
func TestPublishPochaPayload(t *testing.T) {
	h, err := NewHub(Options{}, newFakeMap())
	if err != nil {
		t.Fatal(err)
	}
	br := &capturingBroker{}
	h.SetBroker(br)
	rng := rand.New(rand.NewPCG(31, 32))
	var evs []PochaEvent
	for i := range 2000 {
		ev := PochaEvent{Type: []string{TypePochaMoved, TypePochaOpened, TypePochaClosed}[i%3], ID: rng.Uint64(), Name: randomEventName(rng),
			Lat: randomCoord(rng), Lng: randomCoord(rng), At: randomTime(rng), Reason: []string{"", "closed", "expired"}[rng.IntN(3)]}
		if err := h.PublishPocha(context.Background(), ev, []string{"cell:1"}); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if len(br.payloads) != len(evs) {
		t.Fatalf("%d payloads for %d events", len(br.payloads), len(evs))
	}
	for i, p := range br.payloads {
		ev := evs[i]
		at := ev.At.UTC()
		if len(p) < headerSize || p[0] != envelopeVersion || binary.BigEndian.Uint64(p[2:]) != ev.ID ||
			math.Float64frombits(binary.BigEndian.Uint64(p[10:])) != ev.Lat && !math.IsNaN(ev.Lat) ||
			int64(binary.BigEndian.Uint64(p[26:])) != at.UnixNano() {
			t.Fatalf("payload %d: bad header %x", i, p[:min(len(p), headerSize)])
		}
		var got struct {
			ServerTime time.Time `json:"server_time"`
		}
		if err := json.Unmarshal(p[headerSize:], &got); err != nil {
			t.Fatalf("payload %d: %v: %s", i, err, p[headerSize:])
		}
		reason := ev.Reason
		if ev.Type != TypePochaClosed {
			reason = ""
		}
		want, _ := json.Marshal(PochaMessage{Type: ev.Type, ID: ev.ID, Name: ev.Name, Lat: ev.Lat, Lng: ev.Lng, At: at, Reason: reason, ServerTime: got.ServerTime})
		if !bytes.Equal(p[headerSize:], want) {
			t.Fatalf("payload %d:\n got %s\nwant %s", i, p[headerSize:], want)
		}
		if i > 0 && &br.payloads[i-1][:cap(br.payloads[i-1])][cap(br.payloads[i-1])-1] == &p[:cap(p)][cap(p)-1] {
			t.Fatalf("payloads %d and %d share memory", i-1, i)
		}
	}
	if err := h.PublishPocha(context.Background(), PochaEvent{Type: TypePochaMoved, ID: 1, Lat: math.NaN()}, []string{"cell:1"}); err == nil {
		t.Fatal("an event with a NaN latitude was published")
	}
	if err := h.PublishPocha(context.Background(), PochaEvent{Type: TypePochaMoved, ID: 1, At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{"cell:1"}); err == nil {
		t.Fatal("an event of the year 10000 was published")
	}
}
