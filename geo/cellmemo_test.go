package geo

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/uber/h3-go/v4"
)

// uncachedTopic is Topic as it was before the table: one call into C and
// h3.Cell.String.
func uncachedTopic(lat, lng float64) string {
	if ValidateCoord(lat, lng) != nil {
		return ""
	}
	return TopicPrefix + h3.LatLngToCell(h3.NewLatLng(lat, lng), TopicResolution).String()
}

// checkMemo asserts that the table answers for (lat, lng, res) what H3
// answers, asked twice (a miss, then usually a hit).
func checkMemo(t *testing.T, lat, lng float64, res int) {
	t.Helper()
	want := h3.LatLngToCell(h3.NewLatLng(lat, lng), res)
	for range 2 {
		if got := memoCell(lat, lng, res); got != want {
			t.Fatalf("memoCell(%v, %v, %d) = %v, want %v", lat, lng, res, got, want)
		}
	}
	if res == TopicResolution {
		if got, want := memoTopic(lat, lng), uncachedTopic(lat, lng); got != want {
			t.Fatalf("memoTopic(%v, %v) = %q, want %q", lat, lng, got, want)
		}
	}
}

// The table gives what H3 gives, for points all over the Earth and in the
// city, at every resolution, and Topic what it gave before.
func TestCellMemoMatchesH3(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 50_000 {
		lat, lng := rng.Float64()*180-90, rng.Float64()*360-180
		checkMemo(t, lat, lng, rng.IntN(16))
		checkMemo(t, lat, lng, TopicResolution)
		lat, lng = randomSeoul(rng)
		checkMemo(t, lat, lng, MemoryCellResolution)
		checkMemo(t, lat, lng, StallResolution)
		if got, want := Topic(lat, lng), uncachedTopic(lat, lng); got != want {
			t.Fatalf("Topic(%v, %v) = %q, want %q", lat, lng, got, want)
		}
	}
	// Poles, the antimeridian, signed zeros, the smallest numbers, the
	// edges of the valid range.
	edges := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-300, 90, -90, 89.999999999, -89.999999999,
		180, -180, 179.99999999999997, -179.99999999999997, math.Nextafter(90, 0), math.Nextafter(-180, 0)}
	for _, lat := range edges {
		if math.Abs(lat) > 90 {
			continue
		}
		for _, lng := range edges {
			for res := range 16 {
				checkMemo(t, lat, lng, res)
			}
			if got, want := Topic(lat, lng), uncachedTopic(lat, lng); got != want {
				t.Fatalf("Topic(%v, %v) = %q, want %q", lat, lng, got, want)
			}
		}
	}
}

// A point asked for twice is answered from the table the second time: the
// same entry comes back.
func TestCellMemoRemembers(t *testing.T) {
	lat, lng := 37.5665123, 126.9780456
	e := memoEntry(lat, lng, TopicResolution)
	if memoEntry(lat, lng, TopicResolution) != e {
		t.Fatal("the second lookup of a point did not hit the table")
	}
	if memoEntry(lat, lng, StallResolution) == e {
		t.Fatal("another resolution got the same entry")
	}
	if e.topic == "" || Topic(lat, lng) != e.topic {
		t.Fatalf("Topic = %q, the entry holds %q", Topic(lat, lng), e.topic)
	}
	if s := memoEntry(lat, lng, StallResolution); s.topic != "" {
		t.Fatalf("an entry at resolution %d holds a topic %q", StallResolution, s.topic)
	}
}

// collidingPoints returns n distinct Seoul points whose keys at res fall in
// one slot of the table.
func collidingPoints(t *testing.T, n, res int) [][2]float64 {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	bySlot := map[uint64][][2]float64{}
	for range 50 * cellMemoSize {
		lat, lng := randomSeoul(rng)
		s := cellMemoSlot(math.Float64bits(lat), math.Float64bits(lng), res)
		bySlot[s] = append(bySlot[s], [2]float64{lat, lng})
		if len(bySlot[s]) == n {
			return bySlot[s]
		}
	}
	t.Fatal("no colliding points found")
	return nil
}

// Points that share a slot evict each other and are always answered for
// themselves; so are a point's neighbours a bit away (the key is exact),
// and invalid points keep giving "".
func TestCellMemoCollisionsAndExactKeys(t *testing.T) {
	pts := collidingPoints(t, 4, TopicResolution)
	for range 20 {
		for _, p := range pts {
			checkMemo(t, p[0], p[1], TopicResolution)
		}
	}
	// The same slot at another resolution is another key.
	p := pts[0]
	for res := range 16 {
		checkMemo(t, p[0], p[1], res)
		checkMemo(t, p[0], p[1], TopicResolution)
	}
	// Adjacent floats on either side of a cell edge (found by bisection):
	// a loose key would give one of them the other's cell.
	rng := rand.New(rand.NewPCG(8, 9))
	cell := func(lat, lng float64) h3.Cell { return h3.LatLngToCell(h3.NewLatLng(lat, lng), TopicResolution) }
	for range 20 {
		lat, lo := randomSeoul(rng)
		hi := lo + 0.05
		if cell(lat, lo) == cell(lat, hi) {
			continue
		}
		for math.Nextafter(lo, hi) != hi {
			mid := lo + (hi-lo)/2
			if mid == lo || mid == hi {
				mid = math.Nextafter(lo, hi)
			}
			if cell(lat, mid) == cell(lat, lo) {
				lo = mid
			} else {
				hi = mid
			}
		}
		if cell(lat, lo) == cell(lat, hi) {
			t.Fatalf("bisection ended in one cell at %v, %v", lat, lo)
		}
		for range 3 {
			checkMemo(t, lat, lo, TopicResolution)
			checkMemo(t, lat, hi, TopicResolution)
		}
	}
	for _, bad := range [][2]float64{{math.NaN(), 0}, {0, math.NaN()}, {91, 0}, {-90.0000001, 0}, {0, 180.0000001},
		{math.Inf(1), 0}, {0, math.Inf(-1)}} {
		for range 2 {
			if got := Topic(bad[0], bad[1]); got != "" {
				t.Fatalf("Topic(%v, %v) = %q, want \"\"", bad[0], bad[1], got)
			}
		}
	}
}

// Many goroutines asking for points that share slots, and for random ones,
// get H3's answers (run with -race).
func TestCellMemoConcurrent(t *testing.T) {
	pts := collidingPoints(t, 6, TopicResolution)
	want := make([]string, len(pts))
	for i, p := range pts {
		want[i] = uncachedTopic(p[0], p[1])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 77))
			for range 20_000 {
				i := rng.IntN(len(pts))
				if got := Topic(pts[i][0], pts[i][1]); got != want[i] {
					errs <- got + " != " + want[i]
					return
				}
				lat, lng := randomSeoul(rng)
				res := rng.IntN(16)
				if got, w := memoCell(lat, lng, res), h3.LatLngToCell(h3.NewLatLng(lat, lng), res); got != w {
					errs <- got.String() + " != " + w.String()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
