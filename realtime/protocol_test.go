package realtime

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestServerMessageGolden pins the JSON of every server message type.
func TestServerMessageGolden(t *testing.T) {
	st := time.Date(2026, 11, 25, 8, 0, 1, 500_000_000, time.UTC)
	at := time.Date(2026, 11, 25, 8, 0, 0, 123_000_000, time.UTC)
	yes := true
	for _, tc := range []struct {
		file string
		msg  any
	}{
		{"hello.json", HelloMessage{Type: TypeHello, UserID: 7, Role: "owner", ServerTime: st}},
		{"hello_anonymous.json", HelloMessage{Type: TypeHello, ServerTime: st}},
		{"snapshot.json", SnapshotMessage{Type: TypeSnapshot, Ref: "m1", Lat: 37.5704, Lng: 126.9921, RadiusM: 1000,
			Pochas: []StallView{{ID: 12, Name: "종로 포차", Lat: 37.5711, Lng: 126.9925, At: at, DistanceM: 85.3,
				Category: "tteokbokki", Rating: 4.5, ReviewCount: 12, OpenByHours: &yes}}, ServerTime: st}},
		{"snapshot_empty.json", SnapshotMessage{Type: TypeSnapshot, Lat: 37.5704, Lng: 126.9921, RadiusM: 500, Pochas: []StallView{}, ServerTime: st}},
		{"pocha.moved.json", PochaMessage{Type: TypePochaMoved, ID: 12, Name: "종로 포차", Lat: 37.5711, Lng: 126.9925, At: at, ServerTime: st}},
		{"pocha.opened.json", PochaMessage{Type: TypePochaOpened, ID: 12, Name: "종로 포차", Lat: 37.5711, Lng: 126.9925, At: at, ServerTime: st}},
		{"pocha.closed.json", PochaMessage{Type: TypePochaClosed, ID: 12, Name: "종로 포차", Lat: 37.5711, Lng: 126.9925, At: at, Reason: "expired", ServerTime: st}},
		{"pocha.left.json", LeftMessage{Type: TypePochaLeft, ID: 12, Lat: 37.5901, Lng: 126.9925, At: at, ServerTime: st}},
		{"order.created.json", OrderMessage{Type: TypeOrderCreated, Order: json.RawMessage(`{"id":42,"status":"paid"}`), ServerTime: st}},
		{"order.updated.json", OrderMessage{Type: TypeOrderUpdated, Order: json.RawMessage(`{"id":42,"status":"accepted"}`), ServerTime: st}},
		{"notification.json", NotificationMessage{Type: TypeNotification, Notification: json.RawMessage(`{"id":3,"kind":"order_ready"}`), ServerTime: st}},
		{"error.json", ErrorMessage{Type: TypeError, Code: "not_open", Message: "the stall is not open", Ref: "loc-9", ServerTime: st}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := json.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s:\n got %s\nwant %s", path, got, want)
			}
		})
	}
}

// TestEnvelopeRoundTrip checks the broker header survives encoding and that
// the JSON part is forwarded unchanged.
func TestEnvelopeRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 25, 8, 0, 0, 123_456_789, time.UTC)
	msg := []byte(`{"type":"pocha.moved"}`)
	p := encodeEnvelope(kindMoved, 1<<63+5, 37.5704, -126.9921, at.UnixNano(), msg)
	e, err := decodeEnvelope(p)
	if err != nil {
		t.Fatal(err)
	}
	if e.kind != kindMoved || e.id != 1<<63+5 || e.lat != 37.5704 || e.lng != -126.9921 || e.at != at.UnixNano() || !bytes.Equal(e.json, msg) {
		t.Fatalf("decoded %+v", e)
	}
	var left LeftMessage
	if err := json.Unmarshal(e.leftJSON(), &left); err != nil || left.Type != TypePochaLeft || !left.At.Equal(at) {
		t.Fatalf("left %s: %v", e.leftJSON(), err)
	}
	for _, bad := range [][]byte{nil, p[:headerSize-1], append([]byte{9}, p[1:]...), append([]byte{1, 0}, p[2:]...)} {
		if _, err := decodeEnvelope(bad); err == nil {
			t.Fatalf("decoded malformed payload % x", bad)
		}
	}
}

// TestClientMessageDecode checks the documented client examples decode.
func TestClientMessageDecode(t *testing.T) {
	var m clientMessage
	in := `{"type":"location","pocha_id":12,"lat":37.57,"lng":126.99,"at":"2026-11-25T08:00:00.123Z","ref":"a"}`
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != TypeLocation || m.PochaID != 12 || *m.Lat != 37.57 || *m.Lng != 126.99 || m.At.Nanosecond() != 123_000_000 || m.Ref != "a" {
		t.Fatalf("decoded %+v", m)
	}
}
