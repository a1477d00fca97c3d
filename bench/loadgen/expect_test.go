package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCirclesContainingMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, radius := range []float64{50, 1000, 5000} {
		centres := make([]Point, 500)
		for i := range centres {
			centres[i] = Seoul.Random(rng)
		}
		c := NewCircles(centres, radius)
		var got []int32
		for n := 0; n < 2000; n++ {
			p := Seoul.Random(rng)
			got = c.Containing(p, got[:0])
			var want []int32
			for i, ctr := range centres {
				if DistanceM(ctr, p) <= radius-boundaryM {
					want = append(want, int32(i))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("radius %v point %v: got %v want %v", radius, p, got, want)
			}
			for _, i := range got {
				if c.Outside(int(i), p) {
					t.Fatalf("circle %d both contains and excludes %v", i, p)
				}
			}
		}
	}
}

func TestCirclesEdgeTolerance(t *testing.T) {
	ctr := Point{37.55, 127.0}
	c := NewCircles([]Point{ctr}, 1000)
	cases := []struct {
		name            string
		northM          float64
		expect, outside bool
	}{
		{"inside", 500, true, false},
		{"just inside the edge", 999.5, false, false},
		{"just outside the edge", 1000.5, false, false},
		{"outside", 1002, false, true},
	}
	for _, tc := range cases {
		p := offset(ctr, tc.northM, 0)
		got := len(c.Containing(p, nil)) == 1
		if got != tc.expect || c.Outside(0, p) != tc.outside {
			t.Errorf("%s (%.1f m): expected %v outside %v; want %v %v", tc.name, DistanceM(ctr, p), got, c.Outside(0, p), tc.expect, tc.outside)
		}
	}
	if got := NewCircles(nil, 1000).Containing(ctr, nil); len(got) != 0 {
		t.Errorf("no circles, got %v", got)
	}
}
