package realtime

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"time"
)

// A broker payload is a fixed 34-byte binary header followed by the JSON of
// the server message, ready to be written to clients as is:
//
//	offset size
//	0      1   version (envelopeVersion)
//	1      1   kind (kindMoved, kindOpened, kindClosed, kindUser)
//	2      8   id, big endian (stall id, or user id for kindUser)
//	10     8   lat, IEEE 754 bits, big endian
//	18     8   lng, IEEE 754 bits, big endian
//	26     8   at, Unix nanoseconds, big endian
//	34     -   JSON message
//
// The receiving hub reads the header once per broker message and never parses
// the JSON.
const (
	envelopeVersion = 1
	headerSize      = 34
)

const (
	kindMoved  byte = 1
	kindOpened byte = 2
	kindClosed byte = 3
	kindUser   byte = 4
	// kindEndSession closes the user's connections of one session; the
	// JSON part holds the session key, not JSON.
	kindEndSession byte = 5
	// kindPaused and kindResumed reach the watchers that see the stall.
	kindPaused  byte = 6
	kindResumed byte = 7
	// kindEndOtherSessions closes the user's connections of every session
	// but one; the JSON part holds the session key kept (empty keeps none).
	kindEndOtherSessions byte = 8
)

var errBadEnvelope = errors.New("realtime: malformed broker payload")

// envelope is one decoded broker message, shared by every local connection
// it is delivered to.
type envelope struct {
	kind byte
	id   uint64
	lat  float64
	lng  float64
	at   int64  // Unix nanoseconds
	json []byte // the server message, forwarded unchanged

	// For the watchers' circle test (circle.contains), computed once here
	// rather than once per watcher.
	cosLat float64 // math.Cos(lat*degToRad)
	geoOK  bool    // lat, lng are valid and cosLat is set

	leftOnce sync.Once
	left     []byte // "pocha.left" for this position, encoded on first need
}

func kindOf(eventType string) (byte, bool) {
	switch eventType {
	case TypePochaMoved:
		return kindMoved, true
	case TypePochaOpened:
		return kindOpened, true
	case TypePochaClosed:
		return kindClosed, true
	case TypePochaPaused:
		return kindPaused, true
	case TypePochaResumed:
		return kindResumed, true
	}
	return 0, false
}

// encodeEnvelope returns header+msg.
func encodeEnvelope(kind byte, id uint64, lat, lng float64, at int64, msg []byte) []byte {
	b := appendHeader(make([]byte, 0, headerSize+len(msg)), kind, id, lat, lng, at)
	return append(b, msg...)
}

// appendHeader appends the header of a broker payload.
func appendHeader(b []byte, kind byte, id uint64, lat, lng float64, at int64) []byte {
	b = append(b, envelopeVersion, kind)
	b = binary.BigEndian.AppendUint64(b, id)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(lat))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(lng))
	return binary.BigEndian.AppendUint64(b, uint64(at))
}

// decodeEnvelope reads the header of p; the JSON part aliases p.
func decodeEnvelope(p []byte) (*envelope, error) {
	if len(p) < headerSize || p[0] != envelopeVersion || p[1] < kindMoved || p[1] > kindEndOtherSessions {
		return nil, errBadEnvelope
	}
	e := &envelope{
		kind: p[1],
		id:   binary.BigEndian.Uint64(p[2:]),
		lat:  math.Float64frombits(binary.BigEndian.Uint64(p[10:])),
		lng:  math.Float64frombits(binary.BigEndian.Uint64(p[18:])),
		at:   int64(binary.BigEndian.Uint64(p[26:])),
		json: p[headerSize:],
	}
	if e.kind <= kindClosed && validLatLng(e.lat, e.lng) {
		e.cosLat, e.geoOK = math.Cos(e.lat*degToRad), true
	}
	return e, nil
}

// leftJSON returns the "pocha.left" message for the envelope's position.
// It is safe for concurrent use.
func (e *envelope) leftJSON() []byte {
	e.leftOnce.Do(func() {
		e.left, _ = json.Marshal(LeftMessage{
			Type:       TypePochaLeft,
			ID:         e.id,
			Lat:        e.lat,
			Lng:        e.lng,
			At:         time.Unix(0, e.at).UTC(),
			ServerTime: now(),
		})
	})
	return e.left
}
