package realtime

import "math"

const (
	earthRadiusM = 6371008.8 // mean Earth radius (IUGG)
	degToRad     = math.Pi / 180
)

// distanceM is the great-circle (haversine) distance in metres.
func distanceM(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	s := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(s)))
}

// The fast containment test of a circle works in the haversine's own
// quantity h = sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2), where the radius r is
// H = sin²(r/2R): a point is inside exactly when h <= H. Without any
// trigonometry per point it bounds h from both sides, using
// x²(1 − x²/3) <= sin²x <= min(x², 1) for |x| <= π/2 (Δλ is first brought into
// [−180°, 180°], where sin² takes the same value). A point whose upper
// bound is below H by more than the margin is surely inside; one whose
// lower bound is above H by more than the margin is surely outside; only
// the thin band between them, a few micrometres wide at the edge, takes
// the haversine itself. The margin (1e-9·H + 1e-12·√H) exceeds the
// rounding of both computations by several orders of magnitude: relative
// errors are a few ulps (1e-15), and the absolute error of sin² near a
// multiple of π (the 180th meridian) is about 4e-15·√h.
const (
	fastMaxRadiusM = 1e6   // larger circles always take the haversine
	fastRelMargin  = 1e-9  // times H
	fastAbsMargin  = 1e-12 // times √H
)

// circle is a watched circle, with what its fast containment test needs
// computed once.
type circle struct {
	lat, lng, radiusM float64

	fast   bool    // the fast test applies (valid centre, 0 < radius <= fastMaxRadiusM)
	cosLat float64 // math.Cos(lat*degToRad), as distanceM computes it
	hIn    float64 // h <= hIn: surely inside
	hOut   float64 // h >= hOut: surely outside
}

// newCircle returns the circle of radiusM metres around lat, lng.
func newCircle(lat, lng, radiusM float64) circle {
	c := circle{lat: lat, lng: lng, radiusM: radiusM}
	if !validLatLng(lat, lng) || !(radiusM > 0 && radiusM <= fastMaxRadiusM) {
		return c
	}
	s := math.Sin(radiusM / (2 * earthRadiusM))
	h := s * s
	m := fastRelMargin*h + fastAbsMargin*s
	c.fast = true
	c.cosLat = math.Cos(lat * degToRad)
	c.hIn, c.hOut = h-m, h+m
	return c
}

// validLatLng reports whether lat, lng are WGS 84 degrees in range (false
// for NaN).
func validLatLng(lat, lng float64) bool {
	return lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180
}

// contains reports distanceM(c.lat, c.lng, lat, lng) <= c.radiusM, always
// the same decision as that expression, computing the haversine only near
// the edge. cosLat must be math.Cos(lat*degToRad) when validLatLng(lat, lng)
// and ok is true; with ok false the haversine decides.
func (c *circle) contains(lat, lng, cosLat float64, ok bool) bool {
	if inside, sure := c.quickContains(lat, lng, cosLat, ok); sure {
		return inside
	}
	return distanceM(c.lat, c.lng, lat, lng) <= c.radiusM
}

// quickContains is the trigonometry-free part of contains: sure is false
// when the point is too near the edge (or the fast test does not apply)
// and the haversine must decide.
func (c *circle) quickContains(lat, lng, cosLat float64, ok bool) (inside, sure bool) {
	if !c.fast || !ok {
		return false, false
	}
	a := (lat - c.lat) * (degToRad / 2) // Δφ/2, bit for bit as distanceM has it
	dLng := lng - c.lng
	if dLng > 180 {
		dLng -= 360
	} else if dLng < -180 {
		dLng += 360
	}
	b := dLng * (degToRad / 2) // Δλ/2 in [−π/2, π/2]
	a2, b2 := a*a, b*b
	k := c.cosLat * cosLat
	if a2+k*min(b2, 1) <= c.hIn { // sin²x <= min(x², 1)
		return true, true
	}
	if a2*(1-a2/3)+k*(b2*(1-b2/3)) >= c.hOut {
		return false, true
	}
	return false, false
}
