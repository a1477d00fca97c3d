package geo

import (
	"errors"
	"fmt"
	"math"
)

// ErrNotFound is wrapped by Move's error when the stall has no position.
var ErrNotFound = errors.New("geo: stall not indexed")

// ErrStale is wrapped by Move's error when the new position's time is not
// after the stored one's.
var ErrStale = errors.New("geo: position time not after the stored one")

// ErrTooFast is wrapped by Move's error when the move implies a speed above
// the caller's limit.
var ErrTooFast = errors.New("geo: move faster than the limit")

// minCheckedMoveM is the distance at or below which a move is never too
// fast, whatever the time between the two positions (GPS jitter).
const minCheckedMoveM = 1.0

// ImpliedSpeedKmh returns the distance in metres between two positions and
// the speed in km/h it implies over the time from from.At to to.At:
// distance / (to.At - from.At in seconds, as time.Duration.Seconds) × 3.6.
// Move refuses a move with ErrTooFast exactly when the distance is above
// 1 m and the speed above its limit. The times should be normalized to the
// microsecond, as an Index returns them.
func ImpliedSpeedKmh(from, to Position) (distanceM, kmh float64) {
	d := DistanceM(from.Lat, from.Lng, to.Lat, to.Lng)
	return d, d / to.At.Sub(from.At).Seconds() * 3.6
}

// moveRefusal returns why moving from prev to p is refused (ErrStale,
// ErrTooFast) or nil. Both times must be normalized.
func moveRefusal(prev, p Position, maxSpeedKmh float64) error {
	if !p.At.After(prev.At) {
		return ErrStale
	}
	if d, kmh := ImpliedSpeedKmh(prev, p); d > minCheckedMoveM && kmh > maxSpeedKmh {
		return ErrTooFast
	}
	return nil
}

// validateMaxSpeed checks Move's speed limit: finite and above zero.
func validateMaxSpeed(kmh float64) error {
	if math.IsNaN(kmh) || math.IsInf(kmh, 0) || kmh <= 0 {
		return fmt.Errorf("invalid speed limit %v km/h (want a finite number above 0)", kmh)
	}
	return nil
}
