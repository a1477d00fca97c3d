package loadgen

import (
	"encoding/json"
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
