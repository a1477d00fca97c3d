package geo

import "math"

// circle is a validated Nearby query with what every candidate test reuses:
// the cosine of the centre's latitude and a bounding box in degrees that
// holds every point of the circle.
type circle struct {
	lat, lng, cos, radiusM float64
	latMin, latMax         float64
	lngMin, lngMax         float64
	lngBounded             bool // false when the box would wrap past ±180° or hold a pole
}

// boxPadDeg widens the bounding box by about a centimetre, far more than
// any rounding, so a point the haversine puts inside is never cut by it.
const boxPadDeg = 1e-7

// newCircle prepares the query circle of radiusM metres around (lat, lng).
// The arguments must be valid.
func newCircle(lat, lng, radiusM float64) circle {
	q := circle{lat: lat, lng: lng, cos: math.Cos(lat * degToRad), radiusM: radiusM}
	ang := radiusM / EarthRadiusM // angular radius, radians
	dLat := ang/degToRad + boxPadDeg
	q.latMin, q.latMax = lat-dLat, lat+dLat
	if q.latMax >= 90 || q.latMin <= -90 {
		return q
	}
	// The widest longitude span of a spherical cap not holding a pole
	// (J. Matuschek, "Finding points within a distance of a
	// latitude/longitude using bounding coordinates").
	s := math.Sin(ang) / q.cos
	if s >= 1 {
		return q
	}
	dLng := math.Asin(s)/degToRad*(1+1e-9) + boxPadDeg
	q.lngMin, q.lngMax = lng-dLng, lng+dLng
	q.lngBounded = q.lngMin >= -180 && q.lngMax <= 180
	return q
}

// inBox reports whether the point may lie in the circle; false means it
// surely does not.
func (q *circle) inBox(lat, lng float64) bool {
	if lat < q.latMin || lat > q.latMax {
		return false
	}
	return !q.lngBounded || (lng >= q.lngMin && lng <= q.lngMax)
}

// distanceM is DistanceM from the centre to a point whose latitude has the
// cosine cos; it returns exactly what DistanceM returns.
func (q *circle) distanceM(lat, lng, cos float64) float64 {
	return haversineM(q.lat, q.lng, q.cos, lat, lng, cos)
}

// cosLat returns the cosine of a latitude in degrees, as DistanceM uses it.
func cosLat(lat float64) float64 { return math.Cos(lat * degToRad) }
