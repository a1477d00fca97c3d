package geo

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestValidateCoord(t *testing.T) {
	ok := [][2]float64{{0, 0}, {90, 180}, {-90, -180}, {37.56, 126.97}}
	for _, c := range ok {
		if err := ValidateCoord(c[0], c[1]); err != nil {
			t.Errorf("ValidateCoord(%v, %v) = %v, want nil", c[0], c[1], err)
		}
	}
	bad := [][2]float64{
		{math.NaN(), 0}, {0, math.NaN()}, {math.Inf(1), 0}, {0, math.Inf(-1)},
		{90.0001, 0}, {-90.0001, 0}, {0, 180.0001}, {0, -180.0001},
	}
	for _, c := range bad {
		if err := ValidateCoord(c[0], c[1]); !errors.Is(err, ErrInvalidCoord) {
			t.Errorf("ValidateCoord(%v, %v) = %v, want ErrInvalidCoord", c[0], c[1], err)
		}
	}
}

func TestValidateRadius(t *testing.T) {
	for _, r := range []float64{0.001, 1000, MaxRadiusM} {
		if err := ValidateRadius(r); err != nil {
			t.Errorf("ValidateRadius(%v) = %v, want nil", r, err)
		}
	}
	for _, r := range []float64{0, -1, math.NaN(), math.Inf(1), MaxRadiusM + 1} {
		if err := ValidateRadius(r); !errors.Is(err, ErrInvalidRadius) {
			t.Errorf("ValidateRadius(%v) = %v, want ErrInvalidRadius", r, err)
		}
	}
}

func TestDistanceM(t *testing.T) {
	// One degree of latitude on the mean sphere.
	if got, want := DistanceM(0, 0, 1, 0), EarthRadiusM*math.Pi/180; math.Abs(got-want) > 1e-6 {
		t.Errorf("one degree = %v m, want %v", got, want)
	}
	// Across the 180th meridian at the equator: 0.002 degrees.
	if got := DistanceM(0, 179.999, 0, -179.999); math.Abs(got-222.39) > 0.1 {
		t.Errorf("across the antimeridian = %v m, want about 222.39", got)
	}
	if got := DistanceM(90, 0, 90, 123); got > 1e-6 {
		t.Errorf("pole to pole = %v m, want 0", got)
	}
	if got, want := DistanceM(90, 0, -90, 0), math.Pi*EarthRadiusM; math.Abs(got-want) > 1e-3 {
		t.Errorf("antipodes = %v, want %v", got, want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		lat, lng := randomSeoul(rng)
		dist, bearing := rng.Float64()*5000, rng.Float64()*360
		lat2, lng2 := destination(lat, lng, bearing, dist)
		if got := DistanceM(lat, lng, lat2, lng2); math.Abs(got-dist) > 1e-3 {
			t.Fatalf("distance to a point %v m away = %v", dist, got)
		}
		if a, b := DistanceM(lat, lng, lat2, lng2), DistanceM(lat2, lng2, lat, lng); a != b {
			t.Fatalf("not symmetric: %v vs %v", a, b)
		}
	}
}

// resolutionOf reads what H3's getResolution returns, at every resolution.
func TestResolutionOf(t *testing.T) {
	for res := 0; res <= 15; res++ {
		for _, p := range [][2]float64{{37.5665, 126.978}, {-33.9, 151.2}, {89.9, 0}, {0, -179.9}} {
			c := cellOf(p[0], p[1], res)
			if got := resolutionOf(c); got != res || got != c.Resolution() {
				t.Fatalf("resolutionOf(%v) = %d, want %d (H3 says %d)", c, got, res, c.Resolution())
			}
		}
	}
}
