package realtime

import (
	"math"
	"strconv"

	"github.com/illuwa/illuwa/realtime/jsonenc"
)

// appendPochaJSON appends m as encoding/json.Marshal writes it, byte for
// byte, without reflection or allocations of its own (a name that needs
// escaping takes encoding/json for that string). It reports false when
// json.Marshal would fail (a coordinate that is not finite, a time that
// time.Time.MarshalJSON refuses); what it appended is then to be dropped.
func appendPochaJSON(b []byte, m *PochaMessage) ([]byte, bool) {
	if math.IsNaN(m.Lat) || math.IsInf(m.Lat, 0) || math.IsNaN(m.Lng) || math.IsInf(m.Lng, 0) {
		return b, false
	}
	var ok bool
	b = append(b, `{"type":`...)
	b = jsonenc.String(b, m.Type)
	b = append(b, `,"id":`...)
	b = strconv.AppendUint(b, m.ID, 10)
	b = append(b, `,"name":`...)
	b = jsonenc.String(b, m.Name)
	b = append(b, `,"lat":`...)
	b = jsonenc.Float(b, m.Lat)
	b = append(b, `,"lng":`...)
	b = jsonenc.Float(b, m.Lng)
	b = append(b, `,"at":`...)
	if b, ok = jsonenc.TimeStrict(b, m.At); !ok {
		return b, false
	}
	if m.Reason != "" {
		b = append(b, `,"reason":`...)
		b = jsonenc.String(b, m.Reason)
	}
	b = append(b, `,"server_time":`...)
	if b, ok = jsonenc.TimeStrict(b, m.ServerTime); !ok {
		return b, false
	}
	return append(b, '}'), true
}

// pochaJSONSize is room enough for the JSON of a stall event with these
// strings when they need no escapes: the keys, a 20-digit id, two
// 24-character floats and two 35-character times.
func pochaJSONSize(m *PochaMessage) int {
	return 200 + len(m.Type) + len(m.Name) + len(m.Reason)
}
