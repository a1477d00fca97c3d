package loadgen

import (
	"math"
	"math/rand/v2"
)

// earthRadiusM is the mean Earth radius in metres, the one the server uses.
const earthRadiusM = 6371008.8

// Point is a WGS84 position in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Area is a latitude/longitude box. It contains a point when
// MinLat <= lat <= MaxLat and MinLng <= lng <= MaxLng.
type Area struct {
	MinLat, MaxLat, MinLng, MaxLng float64
}

// Seoul is the default area: lat 37.45..37.65, lng 126.85..127.15.
var Seoul = Area{MinLat: 37.45, MaxLat: 37.65, MinLng: 126.85, MaxLng: 127.15}

// Contains reports whether p lies inside the box (edges included).
func (a Area) Contains(p Point) bool {
	return p.Lat >= a.MinLat && p.Lat <= a.MaxLat && p.Lng >= a.MinLng && p.Lng <= a.MaxLng
}

// Random returns a point drawn uniformly (in degrees) from the box.
func (a Area) Random(r *rand.Rand) Point {
	return Point{
		Lat: a.MinLat + r.Float64()*(a.MaxLat-a.MinLat),
		Lng: a.MinLng + r.Float64()*(a.MaxLng-a.MinLng),
	}
}

// DistanceM is the great-circle (haversine) distance between a and b in
// metres, computed as the server computes it.
func DistanceM(a, b Point) float64 {
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLng := (b.Lng - a.Lng) * rad
	s := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(s)))
}

// metresPerDegLat is the length of one degree of latitude in metres.
const metresPerDegLat = earthRadiusM * math.Pi / 180

// offset moves p by north and east metres on a local flat approximation,
// accurate to well under a millimetre for steps of tens of metres.
func offset(p Point, north, east float64) Point {
	return Point{
		Lat: p.Lat + north/metresPerDegLat,
		Lng: p.Lng + east/(metresPerDegLat*math.Cos(p.Lat*math.Pi/180)),
	}
}
