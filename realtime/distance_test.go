package realtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// exactInside is the decision circle.contains must always reproduce.
func exactInside(c circle, lat, lng float64) bool {
	return distanceM(c.lat, c.lng, lat, lng) <= c.radiusM
}

// checkContains fails t when c.contains disagrees with the haversine at
// lat, lng, and reports whether the trigonometry-free test decided.
func checkContains(t *testing.T, c circle, lat, lng float64) (sure bool) {
	t.Helper()
	ok := validLatLng(lat, lng)
	cosLat := 0.0
	if ok {
		cosLat = math.Cos(lat * degToRad)
	}
	want := exactInside(c, lat, lng)
	if got := c.contains(lat, lng, cosLat, ok); got != want {
		t.Fatalf("circle (%v, %v) r=%v: contains(%v, %v) = %v, haversine says %v (distance %.12g m)",
			c.lat, c.lng, c.radiusM, lat, lng, got, want, distanceM(c.lat, c.lng, lat, lng))
	}
	inside, sure := c.quickContains(lat, lng, cosLat, ok)
	if sure && inside != want {
		t.Fatalf("circle (%v, %v) r=%v: quick test decided %v at (%v, %v), haversine says %v",
			c.lat, c.lng, c.radiusM, inside, lat, lng, want)
	}
	return sure
}

// destination returns the point distM metres from lat, lng on the initial
// bearing brg (radians), with lng in [−180, 180].
func destination(lat, lng, brg, distM float64) (float64, float64) {
	d := distM / earthRadiusM
	p1, l1 := lat*degToRad, lng*degToRad
	p2 := math.Asin(math.Sin(p1)*math.Cos(d) + math.Cos(p1)*math.Sin(d)*math.Cos(brg))
	l2 := l1 + math.Atan2(math.Sin(brg)*math.Sin(d)*math.Cos(p1), math.Cos(d)-math.Sin(p1)*math.Sin(p2))
	lng2 := math.Remainder(l2/degToRad, 360)
	return max(-90, min(90, p2/degToRad)), max(-180, min(180, lng2))
}

// edgePoints returns, along bearing brg, the last point the haversine puts
// inside c and the first it puts outside (found by bisection on the
// distance), and their neighbours one ulp away in lat and lng: the points
// where a wrong shortcut would show.
func edgePoints(c circle, brg float64) [][2]float64 {
	lo, hi := 0.0, 2*c.radiusM
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		lat, lng := destination(c.lat, c.lng, brg, mid)
		if exactInside(c, lat, lng) {
			lo = mid
		} else {
			hi = mid
		}
	}
	var out [][2]float64
	for _, d := range []float64{lo, hi} {
		lat, lng := destination(c.lat, c.lng, brg, d)
		out = append(out, [2]float64{lat, lng})
		for _, dl := range []float64{math.Inf(1), math.Inf(-1)} {
			out = append(out, [2]float64{math.Nextafter(lat, dl), lng}, [2]float64{lat, math.Nextafter(lng, dl)})
		}
	}
	return out
}

// TestCircleContainsMatchesHaversine is the property test of the fast
// filter: over random circles and points (uniform, near the centre, on the
// edge to the last ulp, at the poles and across the 180th meridian) its
// decision is the haversine's, every time.
func TestCircleContainsMatchesHaversine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	radius := func() float64 {
		switch rng.IntN(6) {
		case 0:
			return 1 // the protocol's smallest
		case 1:
			return 5000 // the protocol's largest
		case 2:
			return 1 + rng.Float64()*rng.Float64()*100
		case 3:
			return 1e5 + rng.Float64()*9e5 // up to fastMaxRadiusM
		default:
			return 1 + rng.Float64()*4999
		}
	}
	centre := func() (float64, float64) {
		special := []float64{90, -90, 89.9999999, -89.9999999, 0, 45}
		specialLng := []float64{180, -180, 179.9999999, -179.9999999, 0}
		lat, lng := rng.Float64()*180-90, rng.Float64()*360-180
		if rng.IntN(4) == 0 {
			lat = special[rng.IntN(len(special))]
		}
		if rng.IntN(4) == 0 {
			lng = specialLng[rng.IntN(len(specialLng))]
		}
		return lat, lng
	}
	const circles = 3000
	var points, decided, globePoints, globeDecided, nearPoints, nearDecided int
	for range circles {
		lat, lng := centre()
		c := newCircle(lat, lng, radius())
		if !c.fast {
			t.Fatalf("fast test off for a valid circle %+v", c)
		}
		for range 20 { // anywhere on the globe
			points++
			globePoints++
			if checkContains(t, c, rng.Float64()*180-90, rng.Float64()*360-180) {
				decided++
				globeDecided++
			}
		}
		for range 40 { // within three radii, any bearing
			plat, plng := destination(c.lat, c.lng, rng.Float64()*2*math.Pi, rng.Float64()*3*c.radiusM)
			points++
			nearPoints++
			if checkContains(t, c, plat, plng) {
				decided++
				nearDecided++
			}
		}
		for range 2 { // on the edge, to the last ulp
			for _, p := range edgePoints(c, rng.Float64()*2*math.Pi) {
				points++
				checkContains(t, c, p[0], p[1])
			}
		}
		for _, f := range []float64{1 - 1e-6, 1 + 1e-6, 1 - 1e-9, 1 + 1e-9} { // just inside and outside
			plat, plng := destination(c.lat, c.lng, rng.Float64()*2*math.Pi, f*c.radiusM)
			points++
			checkContains(t, c, plat, plng)
		}
	}
	// The shortcut must actually carry the load: only points very near the
	// edge may need the haversine.
	if globeDecided < globePoints*999/1000 || nearDecided < nearPoints*999/1000 {
		t.Fatalf("quick test decided %d of %d points on the globe, %d of %d within three radii",
			globeDecided, globePoints, nearDecided, nearPoints)
	}
	t.Logf("%d points, %d decided without the haversine (%d of %d within three radii)", points, decided, nearDecided, nearPoints)
}

// TestCircleContainsSpecialCases covers the points a flat approximation
// gets wrong: the poles, the 180th meridian, antipodes, invalid input.
func TestCircleContainsSpecialCases(t *testing.T) {
	cases := []struct {
		name          string
		lat, lng, r   float64
		pLat, pLng    float64
		wantInside    bool
		wantQuickSure bool
	}{
		{"north_pole_any_lng", 90, 0, 1000, 89.995, 137, true, true},
		{"north_pole_outside", 90, 0, 1000, 89.98, -42, false, true},
		{"across_pole", 89.996, 0, 1000, 89.996, 180, true, true},
		{"across_180_inside", 10, 179.999, 1000, 10, -179.9995, true, true},
		{"across_180_outside", 10, 179.999, 1000, 10, -179.99, false, true},
		{"minus_180_is_180", 0, -180, 1, 0, 180, true, true},
		{"antipode", 37.5, 127, 5000, -37.5, -53, false, true},
		{"same_point_radius_1", 37.5, 127, 1, 37.5, 127, true, true},
		{"nan_point", 37.5, 127, 1000, math.NaN(), 127, false, false},
		{"out_of_range_lng", 37.5, 179.99, 5000, 37.5, 180.01, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCircle(tc.lat, tc.lng, tc.r)
			sure := checkContains(t, c, tc.pLat, tc.pLng)
			if got := exactInside(c, tc.pLat, tc.pLng); got != tc.wantInside {
				t.Fatalf("haversine inside = %v, want %v", got, tc.wantInside)
			}
			if sure != tc.wantQuickSure {
				t.Fatalf("quick test sure = %v, want %v", sure, tc.wantQuickSure)
			}
		})
	}
	for _, bad := range []circle{newCircle(91, 0, 100), newCircle(0, 0, 0), newCircle(0, 0, 2e6), newCircle(math.NaN(), 0, 100)} {
		if bad.fast {
			t.Errorf("fast test on for %+v", bad)
		}
	}
}

// FuzzCircleContains checks contains against the haversine for arbitrary
// input, valid or not.
func FuzzCircleContains(f *testing.F) {
	f.Add(37.5704, 126.9921, 1000.0, 37.5794, 126.9921)
	f.Add(90.0, 0.0, 1.0, 89.99999, 180.0)
	f.Add(0.0, 179.99999, 5000.0, 0.0, -179.99999)
	f.Fuzz(func(t *testing.T, lat, lng, r, pLat, pLng float64) {
		checkContains(t, newCircle(lat, lng, r), pLat, pLng)
	})
}
