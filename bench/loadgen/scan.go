package loadgen

import (
	"bytes"
	"strconv"
	"time"
)

// The server writes compact JSON with the field names of the protocol; the
// generator reads only a few fields of each message, found by scanning for
// `"name":` instead of decoding the whole object.

// scanString returns the raw value of the first string field key in msg
// (without unescaping; the values read here never contain escapes).
func scanString(msg []byte, key string) ([]byte, bool) {
	i := findKey(msg, key)
	if i < 0 || i >= len(msg) || msg[i] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(msg[i+1:], '"')
	if end < 0 {
		return nil, false
	}
	return msg[i+1 : i+1+end], true
}

// scanUint returns the first unsigned integer field key in msg.
func scanUint(msg []byte, key string) (uint64, bool) {
	i := findKey(msg, key)
	if i < 0 {
		return 0, false
	}
	var v uint64
	n := 0
	for ; i < len(msg) && msg[i] >= '0' && msg[i] <= '9'; i++ {
		v = v*10 + uint64(msg[i]-'0')
		n++
	}
	return v, n > 0
}

// scanTime returns the first RFC 3339 time field key in msg.
func scanTime(msg []byte, key string) (time.Time, bool) {
	raw, ok := scanString(msg, key)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(raw))
	return t, err == nil
}

// findKey returns the index just after `"key":` (and any spaces) in msg,
// or -1.
func findKey(msg []byte, key string) int {
	var pat [64]byte
	p := append(pat[:0], '"')
	p = append(p, key...)
	p = append(p, '"', ':')
	i := bytes.Index(msg, p)
	if i < 0 {
		return -1
	}
	i += len(p)
	for i < len(msg) && msg[i] == ' ' {
		i++
	}
	return i
}

// appendLocation appends a "location" message to dst, with ref
// "<mover>.<seq>" so that an error can be traced to the update.
func appendLocation(dst []byte, mover, seq int, pochaID uint64, p Point, at time.Time) []byte {
	dst = append(dst, `{"type":"location","ref":"`...)
	dst = strconv.AppendInt(dst, int64(mover), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(seq), 10)
	dst = append(dst, `","pocha_id":`...)
	dst = strconv.AppendUint(dst, pochaID, 10)
	dst = append(dst, `,"lat":`...)
	dst = strconv.AppendFloat(dst, p.Lat, 'f', 7, 64)
	dst = append(dst, `,"lng":`...)
	dst = strconv.AppendFloat(dst, p.Lng, 'f', 7, 64)
	dst = append(dst, `,"at":"`...)
	dst = at.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `"}`...)
	return dst
}

// parseRef splits a "<mover>.<seq>" ref.
func parseRef(ref []byte) (mover, seq int, ok bool) {
	dot := bytes.IndexByte(ref, '.')
	if dot <= 0 {
		return 0, 0, false
	}
	m, err1 := strconv.Atoi(string(ref[:dot]))
	s, err2 := strconv.Atoi(string(ref[dot+1:]))
	return m, s, err1 == nil && err2 == nil
}
