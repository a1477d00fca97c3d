package geo

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// testMoveChecks is the contract of Move on one stall: not found, ok,
// stale, too fast and the 1 m jitter allowance.
func testMoveChecks(t *testing.T, idx Index) {
	ctx := context.Background()
	const limit = 120.0
	lat0, lng0 := 37.5665, 126.9780
	if _, err := idx.Move(ctx, Position{ID: 5, Lat: lat0, Lng: lng0, At: t0}, limit); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Move of a stall not indexed = %v, want ErrNotFound", err)
	}
	if _, ok, _ := idx.Get(ctx, 5); ok {
		t.Fatal("a refused Move stored something")
	}
	p0 := Position{ID: 5, Name: "순대 | 포차", Lat: lat0, Lng: lng0, At: t0, Seen: t0}
	mustUpsert(t, idx, p0)

	// ok: 300 m in 10 s is 108 km/h; the name is kept, a zero Seen is now.
	lat1, lng1 := destination(lat0, lng0, 80, 300)
	before := time.Now().Add(-time.Second)
	prev, err := idx.Move(ctx, Position{ID: 5, Name: "ignored", Lat: lat1, Lng: lng1, At: t0.Add(10 * time.Second)}, limit)
	if err != nil || !samePosition(prev, p0) {
		t.Fatalf("Move = %+v, %v; want prev %+v", prev, err, p0)
	}
	p1 := Position{ID: 5, Name: p0.Name, Lat: lat1, Lng: lng1, At: t0.Add(10 * time.Second)}
	got, _, _ := idx.Get(ctx, 5)
	p1.Seen = got.Seen
	if !samePosition(got, p1) || got.Seen.Before(before) {
		t.Fatalf("after Move Get = %+v, want %+v with Seen about now", got, p1)
	}
	if hits := mustNearby(t, idx, lat1, lng1, 5, 0); len(hits) != 1 || hits[0].ID != 5 {
		t.Errorf("Nearby at the new place = %v", hitIDs(hits))
	}
	if hits := mustNearby(t, idx, lat0, lng0, 5, 0); len(hits) != 0 {
		t.Errorf("Nearby at the old place = %v", hitIDs(hits))
	}

	at1 := p1.At.Truncate(time.Microsecond) // as stored
	refused := []struct {
		name string
		p    Position
		want error
	}{
		{"same_time", Position{Lat: lat1, Lng: lng1, At: p1.At}, ErrStale},
		{"same_microsecond", Position{Lat: lat1, Lng: lng1, At: at1.Add(999 * time.Nanosecond)}, ErrStale},
		{"earlier", Position{Lat: lat0, Lng: lng0, At: t0}, ErrStale},
		{"too_fast", Position{Lat: lat0, Lng: lng0, At: at1.Add(5 * time.Second)}, ErrTooFast}, // 216 km/h
		{"just_over_1m_in_1us", pointFrom(lat1, lng1, 1.01, at1.Add(time.Microsecond)), ErrTooFast},
	}
	for _, c := range refused {
		c.p.ID = 5
		prev, err := idx.Move(ctx, c.p, limit)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Move = %v, want %v", c.name, err, c.want)
		}
		if !samePosition(prev, got) {
			t.Errorf("%s: prev = %+v, want the stored %+v", c.name, prev, got)
		}
		if now, _, _ := idx.Get(ctx, 5); !samePosition(now, got) {
			t.Errorf("%s: a refused Move changed the position to %+v", c.name, now)
		}
	}

	// GPS jitter of up to 1 m is never too fast.
	j := pointFrom(lat1, lng1, 0.99, at1.Add(time.Microsecond))
	j.ID = 5
	if _, err := idx.Move(ctx, j, limit); err != nil {
		t.Errorf("a 0.99 m move in 1 µs = %v, want accepted", err)
	}
	// Just under the limit across a cell boundary: 5 km in 151 s is 119.2 km/h.
	far := pointFrom(j.Lat, j.Lng, 5000, j.At.Add(151*time.Second))
	far.ID = 5
	if _, err := idx.Move(ctx, far, limit); err != nil {
		t.Errorf("a 119 km/h move = %v, want accepted", err)
	}
	if ci, ok := idx.(cellInspector); ok {
		if n := ci.cellsHolding(t, 5); n != 1 {
			t.Errorf("stall 5 is a member of %d cells, want 1", n)
		}
	}
	for _, c := range [][2]float64{{math.NaN(), 0}, {0, 181}} {
		if _, err := idx.Move(ctx, Position{ID: 5, Lat: c[0], Lng: c[1], At: far.At.Add(time.Hour)}, limit); !errors.Is(err, ErrInvalidCoord) {
			t.Errorf("Move to %v = %v, want ErrInvalidCoord", c, err)
		}
	}
	for _, kmh := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := idx.Move(ctx, Position{ID: 5, Lat: 1, Lng: 1, At: far.At.Add(time.Hour)}, kmh); err == nil {
			t.Errorf("Move with limit %v km/h succeeded", kmh)
		}
	}
}

// pointFrom returns a position distM metres due east of (lat, lng) at at.
func pointFrom(lat, lng, distM float64, at time.Time) Position {
	la, ln := destination(lat, lng, 90, distM)
	return Position{Lat: la, Lng: ln, At: at}
}

// testMoveSpeedAgreesWithFormula checks the speed limit against
// ImpliedSpeedKmh for random moves, limits set on either side of the
// implied speed by one part in 1e9.
func testMoveSpeedAgreesWithFormula(t *testing.T, idx Index) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(31, 32))
	for i := range 60 {
		id := uint64(100 + i)
		lat, lng := randomSeoul(rng)
		from := Position{ID: id, Lat: lat, Lng: lng, At: t0, Seen: t0}
		mustUpsert(t, idx, from)
		to := pointFrom(lat, lng, 2+rng.Float64()*500, t0.Add(time.Duration(1+rng.IntN(60_000_000))*time.Microsecond))
		to.Lat, to.Lng = destination(lat, lng, rng.Float64()*360, DistanceM(lat, lng, to.Lat, to.Lng))
		to.ID = id
		_, kmh := ImpliedSpeedKmh(normalize(from, t0), normalize(to, t0))
		if _, err := idx.Move(ctx, to, kmh*(1-1e-9)); !errors.Is(err, ErrTooFast) {
			t.Errorf("move at %v km/h under a limit just below = %v, want ErrTooFast", kmh, err)
		}
		if _, err := idx.Move(ctx, to, kmh*(1+1e-9)); err != nil {
			t.Errorf("move at %v km/h under a limit just above = %v", kmh, err)
		}
	}
}

// testConcurrentMoves moves one stall from many goroutines with distinct
// times in random order: the accepted moves must form one chain in time
// order, each one's prev being the one accepted before it.
func testConcurrentMoves(t *testing.T, idx Index) {
	ctx := context.Background()
	lat, lng := 37.55, 127.0
	mustUpsert(t, idx, Position{ID: 1, Name: "x", Lat: lat, Lng: lng, At: t0, Seen: t0})
	const workers, per = 6, 40
	order := rand.New(rand.NewPCG(41, 42)).Perm(workers * per)
	type accepted struct{ prevAt, at time.Time }
	var mu sync.Mutex
	var got []accepted
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for _, k := range order[w*per : (w+1)*per] {
				at := t0.Add(time.Duration(k+1) * time.Second)
				// Within 1 m of the start, so only time can refuse a move.
				p := pointFrom(lat, lng, float64(k%10)*0.05, at)
				p.ID = 1
				prev, err := idx.Move(ctx, p, 120)
				switch {
				case err == nil:
					mu.Lock()
					got = append(got, accepted{prev.At, at.Truncate(time.Microsecond)})
					mu.Unlock()
				case !errors.Is(err, ErrStale):
					t.Errorf("Move: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(got) == 0 {
		t.Fatal("no move accepted")
	}
	slices.SortFunc(got, func(a, b accepted) int { return a.at.Compare(b.at) })
	want := t0.Truncate(time.Microsecond)
	for i, a := range got {
		if !a.prevAt.Equal(want) {
			t.Fatalf("accepted move %d (at %v) replaced at %v, want %v: time went backwards", i, a.at, a.prevAt, want)
		}
		want = a.at
	}
	if p, _, _ := idx.Get(ctx, 1); !p.At.Equal(want) {
		t.Errorf("stored At %v, want the latest accepted %v", p.At, want)
	}
	if got[len(got)-1].at != t0.Add(workers*per*time.Second).Truncate(time.Microsecond) {
		t.Errorf("the latest time was refused")
	}
}
