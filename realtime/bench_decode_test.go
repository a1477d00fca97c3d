package realtime

import (
	"encoding/json"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// BenchmarkDecodeLocation decodes an owner's location message, the most
// frequent client message, with encoding/json (as before) and with the JSON
// v2 decoder that conn.handle uses:
//
//	go test -run '^$' -bench DecodeLocation -benchmem ./realtime/
func BenchmarkDecodeLocation(b *testing.B) {
	msg := []byte(`{"type":"location","ref":"m17-4242","pocha_id":123456,"lat":37.566535,"lng":126.9779692,"at":"2026-12-02T05:04:03.123456789Z"}`)
	for _, d := range []struct {
		name      string
		unmarshal func([]byte, any) error
	}{
		{"encoding_json", json.Unmarshal},
		{"json_v2", func(b []byte, v any) error { return jsonv2.Unmarshal(b, v) }},
	} {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var m clientMessage
				if err := d.unmarshal(msg, &m); err != nil || m.Lat == nil || m.PochaID != 123456 {
					b.Fatalf("decode: %v %+v", err, m)
				}
			}
		})
	}
}
