package loadgen

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendLocationIsValidProtocol(t *testing.T) {
	at := time.Date(2026, 11, 25, 8, 0, 0, 123456000, time.UTC)
	b := appendLocation(nil, 17, 42, 9001, Point{37.5704123, 126.9921987}, at)
	var m struct {
		Type    string    `json:"type"`
		Ref     string    `json:"ref"`
		PochaID uint64    `json:"pocha_id"`
		Lat     float64   `json:"lat"`
		Lng     float64   `json:"lng"`
		At      time.Time `json:"at"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %s: %v", b, err)
	}
	if m.Type != "location" || m.Ref != "17.42" || m.PochaID != 9001 || m.Lat != 37.5704123 || m.Lng != 126.9921987 || !m.At.Equal(at) {
		t.Errorf("decoded %+v from %s", m, b)
	}
	mi, seq, ok := parseRef([]byte(m.Ref))
	if !ok || mi != 17 || seq != 42 {
		t.Errorf("parseRef = %d %d %v", mi, seq, ok)
	}
	for _, bad := range []string{"", "17", ".4", "a.b", "w3"} {
		if _, _, ok := parseRef([]byte(bad)); ok {
			t.Errorf("parseRef(%q) accepted", bad)
		}
	}
}

func TestScanServerMessage(t *testing.T) {
	msg := []byte(`{"type":"pocha.moved","id":12,"name":"load stall 3","lat":37.57,"lng":126.99,"at":"2026-11-25T08:00:00.123456Z","server_time":"2026-11-25T08:00:00.125Z"}`)
	typ, ok := scanString(msg, "type")
	if !ok || string(typ) != "pocha.moved" {
		t.Errorf("type %q %v", typ, ok)
	}
	id, ok := scanUint(msg, "id")
	if !ok || id != 12 {
		t.Errorf("id %d %v", id, ok)
	}
	at, ok := scanTime(msg, "at")
	if !ok || !at.Equal(time.Date(2026, 11, 25, 8, 0, 0, 123456000, time.UTC)) {
		t.Errorf("at %v %v", at, ok)
	}
	if _, ok := scanString(msg, "ref"); ok {
		t.Error("found a ref that is not there")
	}
	hello := []byte(`{"type":"hello","user_id":7,"role":"owner"}`)
	if _, ok := scanUint(hello, "id"); ok {
		t.Error(`"id" matched inside "user_id"`)
	}
	snap := []byte(`{"type":"snapshot","pochas":[{"id":1,"distance_m":3},{"id":2,"distance_m":4.5}]}`)
	if n := countStalls(snap); n != 2 {
		t.Errorf("countStalls = %d", n)
	}
}

// TestCountKeyAgreesWithBytesCount holds countKey to bytes.Count on answers
// and on strings made to trip a byte-jumping count: overlapping matches, a
// '_' at the very start or end, matches that begin before the anchor.
func TestCountKeyAgreesWithBytesCount(t *testing.T) {
	answer := []byte(`{"lat":37.49,"items":[{"id":1,"distance_m":243.6,"review_count":0,"open_by_hours":null},{"id":2,"name":"distance_m","distance_m":9}]}`)
	cases := []struct{ msg, pat string }{
		{string(answer), distanceKey},
		{"a_a_a_a", "a_a"},
		{"_a_a", "_a"},
		{"__", "__"},
		{"___", "__"},
		{"x_", "x_"},
		{"_", "x_"},
		{"", distanceKey},
		{`"distance_m""distance_m":"distance_m":`, distanceKey},
		{"abcabc", "bc"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 { // random strings over a small alphabet
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = "a_b"[rng.IntN(3)]
		}
		p := make([]byte, 1+rng.IntN(4))
		for i := range p {
			p[i] = "a_b"[rng.IntN(3)]
		}
		cases = append(cases, struct{ msg, pat string }{string(b), string(p)})
	}
	for _, c := range cases {
		if got, want := countKey([]byte(c.msg), c.pat), bytes.Count([]byte(c.msg), []byte(c.pat)); got != want {
			t.Fatalf("countKey(%q, %q) = %d, bytes.Count = %d", c.msg, c.pat, got, want)
		}
	}
	if n := countStalls(answer); n != 2 {
		t.Errorf("countStalls(answer) = %d, want 2", n)
	}
}

// BenchmarkCountStalls counts the stalls of a nearby answer of 51 items
// shaped like the server's.
func BenchmarkCountStalls(b *testing.B) {
	var msg []byte
	msg = append(msg, `{"lat":37.49,"lng":126.95,"radius_m":1000,"items":[`...)
	for i := range 51 {
		if i > 0 {
			msg = append(msg, ',')
		}
		msg = append(msg, `{"id":7508,"name":"load stall 7511","lat":37.491156562374044,"lng":126.9523444945691,"at":"2026-12-03T07:37:50.828082Z","distance_m":243.6,"category":"","rating":0,"review_count":0,"open_by_hours":null}`...)
	}
	msg = append(msg, "]}"...)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if countStalls(msg) != 51 {
			b.Fatal("miscounted")
		}
	}
}
