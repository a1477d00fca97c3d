// Package jsonenc appends JSON values to a byte slice exactly as
// encoding/json writes them, for the hot answers that are written by hand
// (GET /pochas/nearby and the stall cards it carries, the stall events the
// hub publishes).
package jsonenc

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Float appends a finite float64 as encoding/json writes it.
func Float(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-07 → e-7, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// Tenths appends math.Round(f*10)/10, a finite float64 rounded to one
// decimal, as Float writes it. For 0 < f*10 < 1e15 it writes the integer
// part and the tenth as digits, which is the shortest decimal that reads
// back as that float64 (it has at most 15 significant digits); other
// values take Float.
func Tenths(b []byte, f float64) []byte {
	t := math.Round(f * 10)
	if !(t > 0 && t < 1e15) {
		return Float(b, t/10)
	}
	n := uint64(t)
	b = strconv.AppendUint(b, n/10, 10)
	if d := n % 10; d != 0 {
		b = append(b, '.', byte('0'+d))
	}
	return b
}

// String appends s quoted as encoding/json writes it (HTML characters
// escaped). Strings that need an escape take encoding/json itself; names
// and categories almost never do.
func String(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&':
			return slow(b, s)
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9): // U+2028, U+2029
			return slow(b, s)
		}
	}
	if !utf8.ValidString(s) { // encoding/json writes U+FFFD for each bad byte
		return slow(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Time appends t as time.Time's MarshalJSON writes it; a year outside
// 0..9999, which MarshalJSON refuses, is written as null.
func Time(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		return slow(b, t)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// slow appends v as encoding/json writes it; on error (a time out of range)
// it writes null.
func slow(b []byte, v any) []byte {
	js, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, js...)
}

// TimeStrict appends t as time.Time's MarshalJSON writes it and reports
// true, or reports false and appends nothing when MarshalJSON refuses t (a
// year outside 0..9999, a zone offset of 24 hours or more), where
// encoding/json fails.
func TimeStrict(b []byte, t time.Time) ([]byte, bool) {
	out, err := t.AppendText(append(b, '"'))
	if err != nil {
		return b, false
	}
	return append(out, '"'), true
}
