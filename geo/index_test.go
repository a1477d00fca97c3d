package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// testIndex is the contract suite every Index implementation must pass.
// newIndex returns an empty index that the test may use alone.
func testIndex(t *testing.T, newIndex func(t *testing.T) Index) {
	t.Run("round_trip", func(t *testing.T) { testRoundTrip(t, newIndex(t)) })
	t.Run("radius_edge", func(t *testing.T) { testRadiusEdge(t, newIndex(t)) })
	t.Run("sort_and_limit", func(t *testing.T) { testSortAndLimit(t, newIndex(t)) })
	t.Run("move_between_cells", func(t *testing.T) { testMove(t, newIndex(t)) })
	t.Run("expire", func(t *testing.T) { testExpire(t, newIndex(t)) })
	t.Run("expire_boundary", func(t *testing.T) { testExpireBoundary(t, newIndex(t)) })
	t.Run("concurrent_expire", func(t *testing.T) { testConcurrentExpire(t, newIndex(t)) })
	t.Run("antimeridian_and_poles", func(t *testing.T) { testAntimeridianAndPoles(t, newIndex(t)) })
	t.Run("invalid_input", func(t *testing.T) { testInvalid(t, newIndex(t)) })
	t.Run("concurrent_upserts", func(t *testing.T) { testConcurrentUpserts(t, newIndex(t)) })
	t.Run("move_checks", func(t *testing.T) { testMoveChecks(t, newIndex(t)) })
	t.Run("move_speed_formula", func(t *testing.T) { testMoveSpeedAgreesWithFormula(t, newIndex(t)) })
	t.Run("concurrent_moves", func(t *testing.T) { testConcurrentMoves(t, newIndex(t)) })
	t.Run("nearby_matches_brute_force", func(t *testing.T) { testNearbyMatchesBruteForce(t, newIndex(t)) })
	t.Run("closed", func(t *testing.T) { testClosed(t, newIndex(t)) })
	t.Run("positions", func(t *testing.T) { testPositions(t, newIndex(t)) })
}

var t0 = time.Date(2026, 5, 1, 19, 30, 0, 123456789, time.FixedZone("KST", 9*3600))

func mustUpsert(t *testing.T, idx Index, p Position) (Position, bool) {
	t.Helper()
	prev, existed, err := idx.Upsert(context.Background(), p)
	if err != nil {
		t.Fatalf("Upsert(%d): %v", p.ID, err)
	}
	return prev, existed
}

func mustNearby(t *testing.T, idx Index, lat, lng, r float64, limit int) []Hit {
	t.Helper()
	hits, err := idx.Nearby(context.Background(), lat, lng, r, limit)
	if err != nil {
		t.Fatalf("Nearby(%v, %v, %v): %v", lat, lng, r, err)
	}
	return hits
}

// samePosition compares positions as the contract promises to keep them.
func samePosition(a, b Position) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Lat == b.Lat && a.Lng == b.Lng &&
		a.At.Truncate(time.Microsecond).Equal(b.At.Truncate(time.Microsecond)) &&
		a.Seen.Truncate(time.Microsecond).Equal(b.Seen.Truncate(time.Microsecond))
}

func hitIDs(hits []Hit) []uint64 {
	ids := make([]uint64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

func testRoundTrip(t *testing.T, idx Index) {
	ctx := context.Background()
	p1 := Position{ID: 42, Name: "떡볶이 | 순대", Lat: 37.5665, Lng: 126.9780, At: t0, Seen: t0.Add(time.Second)}
	if _, existed := mustUpsert(t, idx, p1); existed {
		t.Fatal("first Upsert reports a previous position")
	}
	got, ok, err := idx.Get(ctx, 42)
	if err != nil || !ok || !samePosition(got, p1) {
		t.Fatalf("Get = %+v, %v, %v; want %+v", got, ok, err, p1)
	}
	if got.At.Location() != time.UTC || got.At.Nanosecond()%1000 != 0 {
		t.Errorf("At = %v, want UTC truncated to the microsecond", got.At)
	}
	p2 := p1
	p2.Lat, p2.Lng, p2.At, p2.Seen = 37.5670, 126.9790, t0.Add(time.Minute), t0.Add(time.Minute)
	prev, existed := mustUpsert(t, idx, p2)
	if !existed || !samePosition(prev, p1) {
		t.Fatalf("second Upsert prev = %+v, %v; want %+v", prev, existed, p1)
	}
	if _, ok, _ := idx.Get(ctx, 43); ok {
		t.Error("Get of an unknown id found something")
	}
	prev, existed, err = idx.Remove(ctx, 42)
	if err != nil || !existed || !samePosition(prev, p2) {
		t.Fatalf("Remove = %+v, %v, %v; want %+v", prev, existed, err, p2)
	}
	if _, ok, _ := idx.Get(ctx, 42); ok {
		t.Error("Get after Remove found the position")
	}
	if _, existed, err := idx.Remove(ctx, 42); existed || err != nil {
		t.Errorf("second Remove = %v, %v; want false, nil", existed, err)
	}
	if hits := mustNearby(t, idx, p2.Lat, p2.Lng, 500, 0); len(hits) != 0 {
		t.Errorf("Nearby after Remove = %v", hitIDs(hits))
	}
	// A zero Seen becomes the current time.
	before := time.Now().Add(-time.Second)
	mustUpsert(t, idx, Position{ID: 7, Lat: 1, Lng: 2})
	if got, _, _ := idx.Get(ctx, 7); got.Seen.Before(before) {
		t.Errorf("zero Seen stored as %v, want about now", got.Seen)
	}
}

func testRadiusEdge(t *testing.T, idx Index) {
	centres := [][2]float64{{37.5665, 126.9780}, {37.4979, 127.0276}, {-33.8688, 151.2093}, {64.1466, -21.9426}}
	for ci, c := range centres {
		for b := 0.0; b < 360; b += 45 {
			base := uint64(ci*1000 + int(b))
			inLat, inLng := destination(c[0], c[1], b, 950)
			outLat, outLng := destination(c[0], c[1], b+10, 1050)
			mustUpsert(t, idx, Position{ID: base*2 + 1, Lat: inLat, Lng: inLng, Seen: t0})
			mustUpsert(t, idx, Position{ID: base*2 + 2, Lat: outLat, Lng: outLng, Seen: t0})
		}
		hits := mustNearby(t, idx, c[0], c[1], 1000, 0)
		if len(hits) != 8 {
			t.Errorf("centre %v: %d hits %v, want the 8 stalls at 950 m", c, len(hits), hitIDs(hits))
		}
		for _, h := range hits {
			if h.ID%2 != 1 || math.Abs(h.DistanceM-950) > 0.01 {
				t.Errorf("centre %v: unexpected hit %d at %v m", c, h.ID, h.DistanceM)
			}
		}
	}
}

func testSortAndLimit(t *testing.T, idx Index) {
	lat, lng := 37.55, 126.99
	// ids 1..6 at 600, 100, 300, 300, 900, 50 m; 3 and 4 tie.
	dists := []float64{600, 100, 300, 300, 900, 50}
	for i, d := range dists {
		plat, plng := destination(lat, lng, 30, d)
		if i == 3 { // same point as id 3: an exact tie
			plat, plng = destination(lat, lng, 30, dists[2])
		}
		mustUpsert(t, idx, Position{ID: uint64(i + 1), Lat: plat, Lng: plng, Seen: t0})
	}
	want := []uint64{6, 2, 3, 4, 1, 5}
	if got := hitIDs(mustNearby(t, idx, lat, lng, 1000, 0)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order = %v, want %v", got, want)
	}
	if got := hitIDs(mustNearby(t, idx, lat, lng, 1000, 3)); fmt.Sprint(got) != fmt.Sprint(want[:3]) {
		t.Errorf("limit 3 = %v, want %v", got, want[:3])
	}
	if got := hitIDs(mustNearby(t, idx, lat, lng, 1000, -1)); len(got) != 6 {
		t.Errorf("limit -1 gave %d hits, want 6", len(got))
	}
	if got := hitIDs(mustNearby(t, idx, lat, lng, 250, 0)); fmt.Sprint(got) != "[6 2]" {
		t.Errorf("radius 250 = %v, want [6 2]", got)
	}
}

func testMove(t *testing.T, idx Index) {
	aLat, aLng := 37.5665, 126.9780
	bLat, bLng := destination(aLat, aLng, 90, 2000)
	mustUpsert(t, idx, Position{ID: 9, Lat: aLat, Lng: aLng, Seen: t0})
	prev, existed := mustUpsert(t, idx, Position{ID: 9, Lat: bLat, Lng: bLng, Seen: t0})
	if !existed || prev.Lat != aLat || prev.Lng != aLng {
		t.Fatalf("move prev = %+v, %v", prev, existed)
	}
	if hits := mustNearby(t, idx, aLat, aLng, 500, 0); len(hits) != 0 {
		t.Errorf("old place still shows %v", hitIDs(hits))
	}
	if hits := mustNearby(t, idx, bLat, bLng, 10, 0); len(hits) != 1 || hits[0].ID != 9 {
		t.Errorf("new place shows %v, want [9]", hitIDs(hits))
	}
	if hits := mustNearby(t, idx, aLat, aLng, 5000, 0); len(hits) != 1 {
		t.Errorf("wide search shows %v, want the stall once", hitIDs(hits))
	}
	// Small steps within and across cells, then back.
	lat, lng := aLat, aLng
	for i := range 100 {
		lat, lng = destination(lat, lng, float64(i*37%360), 45)
		mustUpsert(t, idx, Position{ID: 9, Lat: lat, Lng: lng, Seen: t0})
	}
	hits := mustNearby(t, idx, aLat, aLng, 10000, 0)
	if len(hits) != 1 || hits[0].Lat != lat || hits[0].Lng != lng {
		t.Errorf("after walking: %+v, want one hit at (%v, %v)", hits, lat, lng)
	}
	if ci, ok := idx.(cellInspector); ok {
		if n := ci.cellsHolding(t, 9); n != 1 {
			t.Errorf("stall 9 is a member of %d cells, want 1", n)
		}
	}
}

// cellInspector is implemented by test wrappers that can see inside a
// backend's cell sets.
type cellInspector interface {
	cellsHolding(t *testing.T, id uint64) int
}

func testExpire(t *testing.T, idx Index) {
	ctx := context.Background()
	cutoff := t0.Add(10 * time.Minute)
	stale := map[uint64]bool{}
	for i := range 30 {
		id := uint64(i + 1)
		// 15 stale, one exactly at the cutoff, which the microsecond
		// truncation of Seen (t0 has nanoseconds) makes stale too.
		seen := cutoff.Add(time.Duration(i-15) * time.Second)
		lat, lng := destination(37.5, 127.0, float64(i*12), float64(i*50))
		mustUpsert(t, idx, Position{ID: id, Lat: lat, Lng: lng, Seen: seen})
		if seen.Truncate(time.Microsecond).Before(cutoff) {
			stale[id] = true
		}
	}
	got, err := idx.Expire(ctx, cutoff)
	if err != nil {
		t.Fatalf("Expire: %v", err)
	}
	if len(stale) != 16 || len(got) != len(stale) {
		t.Errorf("Expire removed %d, want %d", len(got), len(stale))
	}
	for _, p := range got {
		if !stale[p.ID] {
			t.Errorf("Expire removed fresh stall %d (seen %v)", p.ID, p.Seen)
		}
		delete(stale, p.ID)
		if _, ok, _ := idx.Get(ctx, p.ID); ok {
			t.Errorf("stall %d still there after Expire", p.ID)
		}
	}
	if len(stale) != 0 {
		t.Errorf("Expire kept stale stalls %v", stale)
	}
	if hits := mustNearby(t, idx, 37.5, 127.0, 5000, 0); len(hits) != 14 {
		t.Errorf("after Expire Nearby shows %d, want 14", len(hits))
	}
	if again, err := idx.Expire(ctx, cutoff); err != nil || len(again) != 0 {
		t.Errorf("second Expire = %d, %v; want none", len(again), err)
	}
}

func testExpireBoundary(t *testing.T, idx Index) {
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 12, 0, 0, 5000, time.UTC) // microsecond-aligned
	mustUpsert(t, idx, Position{ID: 1, Lat: 1, Lng: 1, Seen: at.Add(-time.Microsecond)})
	mustUpsert(t, idx, Position{ID: 2, Lat: 1, Lng: 1, Seen: at})
	mustUpsert(t, idx, Position{ID: 3, Lat: 1, Lng: 1, Seen: at.Add(time.Microsecond)})
	got, err := idx.Expire(ctx, at)
	if err != nil || len(got) != 1 || got[0].ID != 1 {
		t.Fatalf("Expire(at) = %+v, %v; want only stall 1", got, err)
	}
	// A cutoff between two microseconds expires the earlier one.
	got, err = idx.Expire(ctx, at.Add(500*time.Nanosecond))
	if err != nil || len(got) != 1 || got[0].ID != 2 {
		t.Fatalf("Expire(at+500ns) = %+v, %v; want only stall 2", got, err)
	}
}

func testConcurrentExpire(t *testing.T, idx Index) {
	ctx := context.Background()
	const n = 3000
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range n {
		lat, lng := randomSeoul(rng)
		mustUpsert(t, idx, Position{ID: uint64(i + 1), Lat: lat, Lng: lng, Seen: t0.Add(time.Duration(i) * time.Millisecond)})
	}
	const workers = 4
	results := make([][]Position, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Rising cutoffs so that the callers overlap on the same stalls.
			for step := 1; step <= 10; step++ {
				got, err := idx.Expire(ctx, t0.Add(time.Duration(step*n/10)*time.Millisecond))
				if err != nil {
					t.Errorf("worker %d: Expire: %v", w, err)
					return
				}
				results[w] = append(results[w], got...)
			}
		})
	}
	wg.Wait()
	count := map[uint64]int{}
	for _, r := range results {
		for _, p := range r {
			count[p.ID]++
		}
	}
	if len(count) != n {
		t.Errorf("%d distinct stalls expired, want %d", len(count), n)
	}
	for id, c := range count {
		if c != 1 {
			t.Errorf("stall %d returned by %d Expire calls", id, c)
		}
	}
}

func testAntimeridianAndPoles(t *testing.T, idx Index) {
	mustUpsert(t, idx, Position{ID: 1, Lat: 0, Lng: 179.999, Seen: t0})
	mustUpsert(t, idx, Position{ID: 2, Lat: 0, Lng: -179.999, Seen: t0})
	for _, q := range [][2]float64{{0, 179.999}, {0, -179.999}, {0, 180}, {0, -180}} {
		hits := mustNearby(t, idx, q[0], q[1], 300, 0)
		if len(hits) != 2 {
			t.Errorf("near (%v, %v): hits %v, want both sides", q[0], q[1], hitIDs(hits))
		}
	}
	hits := mustNearby(t, idx, 0, 179.999, 1000, 0)
	if len(hits) == 2 && math.Abs(hits[1].DistanceM-222.39) > 0.1 {
		t.Errorf("distance across = %v, want about 222 m", hits[1].DistanceM)
	}
	poles := [][2]float64{{90, 0}, {-90, 0}, {89.99, 10}, {-89.99, -170}, {90, 180}, {-90, -180}}
	for i, p := range poles {
		mustUpsert(t, idx, Position{ID: uint64(100 + i), Lat: p[0], Lng: p[1], Seen: t0})
	}
	for _, s := range []float64{1, -1} {
		hits := mustNearby(t, idx, 90*s, 45, 2000, 0)
		if len(hits) != 3 {
			t.Errorf("near pole %v: %v, want 3 stalls", 90*s, hitIDs(hits))
		}
	}
}

func testInvalid(t *testing.T, idx Index) {
	ctx := context.Background()
	for _, c := range [][2]float64{{math.NaN(), 0}, {0, math.Inf(1)}, {91, 0}, {0, -181}} {
		if _, _, err := idx.Upsert(ctx, Position{ID: 1, Lat: c[0], Lng: c[1]}); !errors.Is(err, ErrInvalidCoord) {
			t.Errorf("Upsert(%v) = %v, want ErrInvalidCoord", c, err)
		}
		if _, err := idx.Nearby(ctx, c[0], c[1], 100, 0); !errors.Is(err, ErrInvalidCoord) {
			t.Errorf("Nearby(%v) = %v, want ErrInvalidCoord", c, err)
		}
	}
	if _, ok, _ := idx.Get(ctx, 1); ok {
		t.Error("a refused Upsert stored something")
	}
	for _, r := range []float64{0, -1, math.NaN(), math.Inf(1), MaxRadiusM + 1} {
		if _, err := idx.Nearby(ctx, 37.5, 127, r, 0); !errors.Is(err, ErrInvalidRadius) {
			t.Errorf("Nearby radius %v = %v, want ErrInvalidRadius", r, err)
		}
	}
}

func testConcurrentUpserts(t *testing.T, idx Index) {
	ctx := context.Background()
	const workers, steps, ids = 8, 150, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for range steps {
				lat, lng := randomSeoul(rng)
				id := uint64(rng.IntN(ids) + 1)
				if _, _, err := idx.Upsert(ctx, Position{ID: id, Lat: lat, Lng: lng, Seen: t0}); err != nil {
					t.Errorf("Upsert: %v", err)
					return
				}
				if _, err := idx.Nearby(ctx, lat, lng, 500, 10); err != nil {
					t.Errorf("Nearby: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	hits := mustNearby(t, idx, 37.55, 127.0, MaxRadiusM, 0)
	seen := map[uint64]bool{}
	for _, h := range hits {
		if seen[h.ID] {
			t.Errorf("stall %d listed twice", h.ID)
		}
		seen[h.ID] = true
		p, ok, err := idx.Get(ctx, h.ID)
		if err != nil || !ok || p.Lat != h.Lat || p.Lng != h.Lng {
			t.Errorf("stall %d: Get %+v, Nearby %+v", h.ID, p, h.Position)
		}
		if near := mustNearby(t, idx, h.Lat, h.Lng, 1, 0); len(near) == 0 {
			t.Errorf("stall %d not found at its own position", h.ID)
		}
	}
	for id := uint64(1); id <= ids; id++ {
		if _, ok, _ := idx.Get(ctx, id); ok != seen[id] {
			t.Errorf("stall %d: Get %v, listed %v", id, ok, seen[id])
		}
	}
}

func testClosed(t *testing.T, idx Index) {
	ctx := context.Background()
	mustUpsert(t, idx, Position{ID: 1, Lat: 1, Lng: 1})
	if err := idx.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, _, err := idx.Upsert(ctx, Position{ID: 1, Lat: 1, Lng: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("Upsert after Close = %v", err)
	}
	if _, _, err := idx.Get(ctx, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v", err)
	}
	if _, err := idx.Move(ctx, Position{ID: 1, Lat: 1, Lng: 1, At: time.Now()}, 120); !errors.Is(err, ErrClosed) {
		t.Errorf("Move after Close = %v", err)
	}
	if _, err := idx.Nearby(ctx, 1, 1, 10, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Nearby after Close = %v", err)
	}
	if _, err := idx.Expire(ctx, time.Now()); !errors.Is(err, ErrClosed) {
		t.Errorf("Expire after Close = %v", err)
	}
}

// testPositions: Positions answers as Get would for each id, at once, for
// ids spread over every shard, unknown, removed and repeated ones.
func testPositions(t *testing.T, idx Index) {
	ctx := context.Background()
	stored := map[uint64]Position{}
	for i := range 300 {
		p := Position{ID: uint64(i*7 + 1), Name: fmt.Sprintf("포차 %d | %d", i, i), Lat: 37.5 + float64(i)*1e-4, Lng: 127,
			At: t0.Add(time.Duration(i) * time.Second), Seen: t0}
		mustUpsert(t, idx, p)
		stored[p.ID] = normalize(p, t0)
	}
	for id := range stored {
		if id%3 == 0 {
			if _, _, err := idx.Remove(ctx, id); err != nil {
				t.Fatal(err)
			}
			delete(stored, id)
		}
	}
	var ids []uint64
	for i := range 300 {
		ids = append(ids, uint64(i*7+1), uint64(i*7+2)) // every stall ever stored, and as many unknown ids
	}
	ids = append(ids, 1, 1, 8) // repeated
	got, err := idx.Positions(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(stored) {
		t.Errorf("Positions found %d, want %d", len(got), len(stored))
	}
	for id, want := range stored {
		if p, ok := got[id]; !ok || !samePosition(p, want) || p.At.Location() != time.UTC {
			t.Errorf("Positions[%d] = %+v, %v; want %+v", id, p, ok, want)
		}
		if p, _, _ := idx.Get(ctx, id); !samePosition(p, got[id]) {
			t.Errorf("Get(%d) = %+v, Positions %+v", id, p, got[id])
		}
	}
	for _, none := range [][]uint64{nil, {}, {2, 3, 4}} {
		if got, err := idx.Positions(ctx, none); err != nil || got == nil || len(got) != 0 {
			t.Errorf("Positions(%v) = %v, %v; want an empty map", none, got, err)
		}
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Positions(ctx, []uint64{1}); !errors.Is(err, ErrClosed) {
		t.Errorf("Positions after Close = %v", err)
	}
}
