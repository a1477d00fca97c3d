package alerts

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/store"
)

// Seoul's box, where the places of these tests are spread.
const (
	latMin, latMax = 37.45, 37.70
	lngMin, lngMax = 126.80, 127.15
)

func randomPlaces(r *rand.Rand, n int) []store.SavedPlace {
	ps := make([]store.SavedPlace, n)
	for i := range ps {
		ps[i] = store.SavedPlace{ID: uint64(i + 1), UserID: uint64(i + 1), Lat: latMin + r.Float64()*(latMax-latMin),
			Lng: lngMin + r.Float64()*(lngMax-lngMin), RadiusM: MinRadiusM + r.IntN(MaxRadiusM-MinRadiusM+1), AlertAnyOpen: true}
	}
	return ps
}

func buildIndex(ps []store.SavedPlace) *placeIndex {
	ix := newPlaceIndex()
	for _, p := range ps {
		ix.add(p)
	}
	return ix
}

// bruteForce is the answer by measuring every place.
func bruteForce(ps []store.SavedPlace, lat, lng float64) []uint64 {
	var out []uint64
	for _, p := range ps {
		if geo.DistanceM(lat, lng, p.Lat, p.Lng) <= float64(p.RadiusM) {
			out = append(out, p.ID)
		}
	}
	return out
}

func ids(ms []Match) []uint64 {
	out := make([]uint64, len(ms))
	for i, m := range ms {
		out[i] = m.PlaceID
	}
	slices.Sort(out)
	return out
}

// The index finds exactly the places a scan of all of them finds, for
// openings anywhere, places on the edge of their radius included.
func TestIndexMatchesBruteForce(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	ps := randomPlaces(r, 5000)
	ix := buildIndex(ps)
	for range 300 {
		lat, lng := latMin+r.Float64()*(latMax-latMin), lngMin+r.Float64()*(lngMax-lngMin)
		got, _ := ix.match(lat, lng)
		if want := bruteForce(ps, lat, lng); !slices.Equal(ids(got), want) {
			t.Fatalf("at %v,%v: index %v, scan %v", lat, lng, ids(got), want)
		}
	}
	// A place exactly at its radius from the opening (within a centimetre)
	// matches; one a metre beyond does not.
	edge := store.SavedPlace{ID: 1, UserID: 1, Lat: 37.5665, Lng: 126.9780, RadiusM: 3000, AlertAnyOpen: true}
	ix = buildIndex([]store.SavedPlace{edge})
	dLat := 2999.99 / 111195.0
	if got, _ := ix.match(edge.Lat+dLat, edge.Lng); len(got) != 1 {
		t.Fatalf("at the edge: %v", got)
	}
	if got, _ := ix.match(edge.Lat+3001/111195.0, edge.Lng); len(got) != 0 {
		t.Fatalf("beyond the edge: %v", got)
	}
}

// Replacing a user's places, and dropping one, leave no trace in the index.
func TestIndexReplaceAndDrop(t *testing.T) {
	t.Parallel()
	ix := newPlaceIndex()
	home := store.SavedPlace{ID: 1, UserID: 7, Lat: 37.5665, Lng: 126.9780, RadiusM: 500, AlertAnyOpen: true}
	office := store.SavedPlace{ID: 2, UserID: 7, Lat: 37.5000, Lng: 127.0300, RadiusM: 1000, AlertAnyOpen: true}
	quiet := store.SavedPlace{ID: 3, UserID: 7, Lat: 37.6000, Lng: 127.0000, RadiusM: 1000}
	ix.setUser(7, []store.SavedPlace{home, office, quiet})
	if ix.size() != 2 {
		t.Fatalf("size %d, want 2 (the place without alerts is not indexed)", ix.size())
	}
	ix.add(home)
	if ix.size() != 2 {
		t.Fatalf("adding again: size %d", ix.size())
	}
	ix.drop(7, 1)
	if got, _ := ix.match(home.Lat, home.Lng); len(got) != 0 || ix.size() != 1 {
		t.Fatalf("after drop: %v, size %d", got, ix.size())
	}
	ix.setUser(7, nil)
	if got, _ := ix.match(office.Lat, office.Lng); len(got) != 0 || ix.size() != 0 {
		t.Fatalf("after replace: %v, size %d", got, ix.size())
	}
}

// BenchmarkOpenAlertMatch matches one opening against 100,000 saved places
// spread over Seoul (radii 100 to 3000 m): through the index, and by
// scanning every place. It reports the places matched and the places
// measured per opening: the index measures a small multiple of the
// matches, the scan all 100,000.
func BenchmarkOpenAlertMatch(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	ps := randomPlaces(r, 100_000)
	ix := buildIndex(ps)
	points := make([][2]float64, 256)
	for i := range points {
		points[i] = [2]float64{latMin + r.Float64()*(latMax-latMin), lngMin + r.Float64()*(lngMax-lngMin)}
	}
	b.Run("index", func(b *testing.B) {
		matched, measured := 0, 0
		i := 0
		for b.Loop() {
			p := points[i%len(points)]
			i++
			got, n := ix.match(p[0], p[1])
			matched += len(got)
			measured += n
		}
		b.ReportMetric(float64(matched)/float64(i), "matches/op")
		b.ReportMetric(float64(measured)/float64(i), "measured/op")
	})
	b.Run("scan", func(b *testing.B) {
		matched := 0
		i := 0
		for b.Loop() {
			p := points[i%len(points)]
			i++
			matched += len(bruteForce(ps, p[0], p[1]))
		}
		b.ReportMetric(float64(matched)/float64(i), "matches/op")
		b.ReportMetric(float64(len(ps)), "measured/op")
	})
}
