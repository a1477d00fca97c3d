package geo

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteNearby is the reference Nearby: every position, the haversine,
// sorted by distance then ID, cut at limit.
func bruteNearby(ps []Position, lat, lng, r float64, limit int) []Hit {
	var out []Hit
	for _, p := range ps {
		if d := DistanceM(lat, lng, p.Lat, p.Lng); d <= r {
			out = append(out, Hit{Position: p, DistanceM: d})
		}
	}
	slices.SortFunc(out, func(a, b Hit) int {
		if c := cmp.Compare(a.DistanceM, b.DistanceM); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// testNearbyMatchesBruteForce compares Nearby with a scan over every
// position for random circles, circles whose edge passes exactly through a
// stall (in) or a hair inside it (out), and circles at the poles and
// across the 180th meridian.
func testNearbyMatchesBruteForce(t *testing.T, idx Index) {
	rng := rand.New(rand.NewPCG(21, 22))
	var ps []Position
	add := func(lat, lng float64) {
		p := Position{ID: uint64(len(ps) + 1), Name: "s", Lat: lat, Lng: lng, At: t0, Seen: t0}
		mustUpsert(t, idx, p)
		ps = append(ps, normalize(p, t0))
	}
	// A dense town, so a 1 km circle holds dozens of stalls.
	for range 1200 {
		add(37.55+rng.Float64()*0.04, 126.97+rng.Float64()*0.05)
	}
	edges := [][2]float64{{0, 179.9995}, {0.001, -179.9992}, {89.9995, 12}, {89.999, -150}, {-89.9993, 77}, {-45, 180}, {-45, -180}}
	for _, e := range edges {
		for range 40 {
			lat, lng := destination(e[0], e[1], rng.Float64()*360, rng.Float64()*3000)
			add(lat, lng)
		}
	}
	type query struct{ lat, lng, r float64 }
	var qs []query
	radii := []float64{1, 30, 250, 1000, 2500, 7000}
	for range 60 {
		lat, lng := 37.55+rng.Float64()*0.04, 126.97+rng.Float64()*0.05
		qs = append(qs, query{lat, lng, radii[rng.IntN(len(radii))]}, query{lat, lng, 1 + rng.Float64()*3000})
	}
	for _, e := range edges {
		qs = append(qs, query{e[0], e[1], 500}, query{e[0], e[1], 2500})
	}
	// The edge through a stall: exactly its distance is in, one ulp less is out.
	// Due north, east, south and west are where the bounding box is tight.
	for i := range 80 {
		p := ps[rng.IntN(len(ps))]
		bearing := rng.Float64() * 360
		if i%2 == 0 {
			bearing = float64(i%8) * 45
		}
		lat, lng := destination(p.Lat, p.Lng, bearing, 10+rng.Float64()*1500)
		d := DistanceM(lat, lng, p.Lat, p.Lng)
		qs = append(qs, query{lat, lng, d}, query{lat, lng, math.Nextafter(d, 0)})
	}
	// Centred on a stall.
	for range 10 {
		p := ps[rng.IntN(len(ps))]
		qs = append(qs, query{p.Lat, p.Lng, 1})
	}
	for _, q := range qs {
		for _, limit := range []int{0, 7} {
			got := mustNearby(t, idx, q.lat, q.lng, q.r, limit)
			want := bruteNearby(ps, q.lat, q.lng, q.r, limit)
			if len(got) != len(want) {
				t.Errorf("Nearby(%v, %v, %v, %d): %d hits, brute force %d", q.lat, q.lng, q.r, limit, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i].DistanceM != want[i].DistanceM || !samePosition(got[i].Position, want[i].Position) {
					t.Errorf("Nearby(%v, %v, %v, %d) hit %d = %+v, brute force %+v", q.lat, q.lng, q.r, limit, i, got[i], want[i])
					break
				}
			}
		}
	}
}
