package geo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uber/h3-go/v4"
)

// A stored position is one hash value:
//
//	<stall cell hex>|<lat>|<lng>|<At unix µs>|<Seen unix µs>|<name>
//
// The cell comes first so the Lua scripts can read it with one match; the
// name comes last so it may contain the separator. Lat and lng are Go's
// shortest round-trip form ('g', -1), which Lua's tonumber reads back to
// the same float64. The scripts score the seen sorted set with the Seen
// field: unix microseconds, exact in a float64 until the year 2255.

// appendPositionHead appends every field of a normalized position but the
// name, with the separator after Seen.
func appendPositionHead(b []byte, p Position, cell h3.Cell) []byte {
	b = strconv.AppendUint(b, uint64(cell), 16) // as h3.Cell.String
	b = append(b, '|')
	b = strconv.AppendFloat(b, p.Lat, 'g', -1, 64)
	b = append(b, '|')
	b = strconv.AppendFloat(b, p.Lng, 'g', -1, 64)
	b = append(b, '|')
	b = strconv.AppendInt(b, p.At.UnixMicro(), 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, p.Seen.UnixMicro(), 10)
	return append(b, '|')
}

// encodePosition returns the hash value of a normalized position.
func encodePosition(p Position, cell h3.Cell) string {
	b := make([]byte, 0, 80+len(p.Name))
	return string(append(appendPositionHead(b, p, cell), p.Name...))
}

// decodePosition parses a hash value written by encodePosition. It
// allocates nothing: the name shares s's memory.
func decodePosition(id uint64, s string) (Position, error) {
	var f [5]string
	rest := s
	for i := range f {
		var ok bool
		f[i], rest, ok = strings.Cut(rest, "|")
		if !ok {
			return Position{}, fmt.Errorf("geo: decode position %d: %d fields", id, i+1)
		}
	}
	lat, err1 := strconv.ParseFloat(f[1], 64)
	lng, err2 := strconv.ParseFloat(f[2], 64)
	at, err3 := strconv.ParseInt(f[3], 10, 64)
	seen, err4 := strconv.ParseInt(f[4], 10, 64)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return Position{}, fmt.Errorf("geo: decode position %d: %w", id, err)
		}
	}
	return Position{
		ID:   id,
		Name: rest,
		Lat:  lat,
		Lng:  lng,
		At:   time.UnixMicro(at).UTC(),
		Seen: time.UnixMicro(seen).UTC(),
	}, nil
}

// cutoffScore returns the smallest score that is not before cutoff, so that
// "Seen before cutoff" is "score < cutoffScore" for microsecond Seen times.
func cutoffScore(cutoff time.Time) int64 {
	s := cutoff.UnixMicro()
	if cutoff.Nanosecond()%1000 != 0 {
		s++
	}
	return s
}
