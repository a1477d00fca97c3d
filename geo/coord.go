package geo

import (
	"errors"
	"fmt"
	"math"
)

// EarthRadiusM is the mean Earth radius in metres used by DistanceM.
const EarthRadiusM = 6371008.8

// MaxRadiusM is the largest search or watch radius, in metres, that Nearby
// and TopicsCovering accept. It bounds the number of cells a single query
// touches.
const MaxRadiusM = 20_000.0

// ErrInvalidCoord is wrapped by every error about a coordinate that is not
// finite or lies outside lat [-90, 90], lng [-180, 180].
var ErrInvalidCoord = errors.New("geo: invalid coordinate")

// ErrInvalidRadius is wrapped by every error about a radius that is not
// finite, not positive or larger than MaxRadiusM.
var ErrInvalidRadius = errors.New("geo: invalid radius")

// ValidateCoord reports whether lat and lng are finite, lat is within
// [-90, 90] and lng within [-180, 180]. The error wraps ErrInvalidCoord.
func ValidateCoord(lat, lng float64) error {
	switch {
	case math.IsNaN(lat) || math.IsInf(lat, 0):
		return fmt.Errorf("%w: latitude %v is not finite", ErrInvalidCoord, lat)
	case math.IsNaN(lng) || math.IsInf(lng, 0):
		return fmt.Errorf("%w: longitude %v is not finite", ErrInvalidCoord, lng)
	case lat < -90 || lat > 90:
		return fmt.Errorf("%w: latitude %v out of [-90, 90]", ErrInvalidCoord, lat)
	case lng < -180 || lng > 180:
		return fmt.Errorf("%w: longitude %v out of [-180, 180]", ErrInvalidCoord, lng)
	}
	return nil
}

// ValidateRadius reports whether radiusM is finite, greater than zero and
// at most MaxRadiusM. The error wraps ErrInvalidRadius.
func ValidateRadius(radiusM float64) error {
	if math.IsNaN(radiusM) || math.IsInf(radiusM, 0) || radiusM <= 0 || radiusM > MaxRadiusM {
		return fmt.Errorf("%w: %v m (want 0 < r <= %v)", ErrInvalidRadius, radiusM, MaxRadiusM)
	}
	return nil
}

// DistanceM returns the great-circle distance in metres between two points
// given in degrees, by the haversine formula on a sphere of EarthRadiusM.
// It is symmetric and exact to well under a millimetre at street scale.
func DistanceM(lat1, lng1, lat2, lng2 float64) float64 {
	return haversineM(lat1, lng1, math.Cos(lat1*degToRad), lat2, lng2, math.Cos(lat2*degToRad))
}

// degToRad converts degrees to radians.
const degToRad = math.Pi / 180

// haversineM is DistanceM with the cosines of both latitudes (in radians)
// given, so callers that reuse a point's cosine get bit-identical results
// for less work. Every distance in the package goes through it.
func haversineM(lat1, lng1, cos1, lat2, lng2, cos2 float64) float64 {
	dp := (lat2 - lat1) * degToRad
	dl := (lng2 - lng1) * degToRad
	s1, s2 := math.Sin(dp/2), math.Sin(dl/2)
	a := s1*s1 + cos1*cos2*s2*s2
	if a > 1 {
		a = 1
	}
	return 2 * EarthRadiusM * math.Atan2(math.Sqrt(a), math.Sqrt(1-a))
}
