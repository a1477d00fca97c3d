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
// name comes last so it may contain the separator.

// encodePosition returns the hash value of a normalized position.
func encodePosition(p Position, cell h3.Cell) string {
	var b strings.Builder
	b.Grow(64 + len(p.Name))
	b.WriteString(cell.String())
	b.WriteByte('|')
	b.WriteString(strconv.FormatFloat(p.Lat, 'g', -1, 64))
	b.WriteByte('|')
	b.WriteString(strconv.FormatFloat(p.Lng, 'g', -1, 64))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(p.At.UnixMicro(), 10))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(p.Seen.UnixMicro(), 10))
	b.WriteByte('|')
	b.WriteString(p.Name)
	return b.String()
}

// decodePosition parses a hash value written by encodePosition.
func decodePosition(id uint64, s string) (Position, error) {
	f := strings.SplitN(s, "|", 6)
	if len(f) != 6 {
		return Position{}, fmt.Errorf("geo: decode position %d: %d fields", id, len(f))
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
		Name: f[5],
		Lat:  lat,
		Lng:  lng,
		At:   time.UnixMicro(at).UTC(),
		Seen: time.UnixMicro(seen).UTC(),
	}, nil
}

// seenScore is the expiry sorted-set score of a normalized Seen: unix
// microseconds, exact in a float64 until the year 2255.
func seenScore(seen time.Time) int64 { return seen.UnixMicro() }

// cutoffScore returns the smallest score that is not before cutoff, so that
// "Seen before cutoff" is "score < cutoffScore" for microsecond Seen times.
func cutoffScore(cutoff time.Time) int64 {
	s := cutoff.UnixMicro()
	if cutoff.Nanosecond()%1000 != 0 {
		s++
	}
	return s
}
