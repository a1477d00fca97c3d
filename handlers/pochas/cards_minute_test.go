package pochas

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
)

// TestCachedCardOpenAtMatchesHours checks that a cached card's remembered
// OpenAt (and the open_by_hours AppendOpenJSON writes) is OpenByHours for every t:
// walking seconds and nanoseconds around the edges of spans (past midnight,
// Sunday into Monday, 24:00), going back and forth in time, in any zone,
// before 1970 and far from now, where the minute is not remembered.
func TestCachedCardOpenAtMatchesHours(t *testing.T) {
	t.Parallel()
	hours := []store.Hours{nil, {}, {"mon": {}},
		{"fri": {{Open: "18:00", Close: "02:00"}}, "sun": {{Open: "20:00", Close: "01:00"}},
			"tue": {{Open: "11:00", Close: "14:00"}, {Open: "17:00", Close: "24:00"}}},
		{"wed": {{Open: "00:00", Close: "24:00"}}, "thu": {{Open: "23:59", Close: "00:01"}}},
		{"sat": {{Open: "09:30", Close: "09:31"}}, "sun": {{Open: "23:00", Close: "00:00"}}},
	}
	zones := []*time.Location{time.UTC, korea, time.FixedZone("-0930", -(9*3600 + 30*60)), time.FixedZone("+0545", 5*3600+45*60)}
	edges := []time.Time{ // minutes where some span opens or closes, in Korea time
		time.Date(2026, 12, 4, 18, 0, 0, 0, korea), time.Date(2026, 12, 5, 2, 0, 0, 0, korea),
		time.Date(2026, 12, 6, 20, 0, 0, 0, korea), time.Date(2026, 12, 7, 1, 0, 0, 0, korea),
		time.Date(2026, 12, 1, 14, 0, 0, 0, korea), time.Date(2026, 12, 2, 0, 0, 0, 0, korea),
		time.Date(2026, 12, 3, 23, 59, 0, 0, korea), time.Date(2026, 12, 4, 0, 1, 0, 0, korea),
		time.Date(2026, 12, 5, 9, 30, 0, 0, korea), time.Date(2026, 12, 5, 9, 31, 0, 0, korea),
		time.Date(2026, 12, 7, 0, 0, 0, 0, korea),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), time.Unix(0, 0), time.Unix(-61, 999_999_999),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for hi, h := range hours {
		made := cardOf(store.Pocha{ID: 1, Hours: h}, store.ReviewSummary{})
		for ci, c := range []*CachedCard{NewCachedCard(made, time.Time{}), NewCachedCard(Card{Hours: h}, time.Time{})} {
			check := func(at time.Time) {
				t.Helper()
				wantOpen, wantKnown := OpenByHours(h, at)
				if open, known := c.OpenAt(at); open != wantOpen || known != wantKnown {
					t.Fatalf("hours %d, card %d, at %v: OpenAt = %v, %v; want %v, %v", hi, ci, at, open, known, wantOpen, wantKnown)
				}
				o, k := c.OpenAt(at)
				if got, want := string(AppendOpenJSON(nil, o, k)), string(c.Card.AppendOpenJSON(nil, at)); got != want {
					t.Fatalf("hours %d, card %d, at %v: AppendOpenJSON %s, want %s", hi, ci, at, got, want)
				}
			}
			for _, e := range edges {
				for d := -90 * time.Second; d <= 90*time.Second; d += 500 * time.Millisecond {
					check(e.Add(d).In(zones[rng.IntN(len(zones))]))
				}
				for d := 90 * time.Second; d >= -90*time.Second; d -= 999_999_999 {
					check(e.Add(d).In(zones[rng.IntN(len(zones))]))
				}
				for range 200 {
					check(e.Add(time.Duration(rng.Int64N(int64(3*time.Minute))) - 90*time.Second))
				}
			}
			start := time.Date(2026, 11, 30, 0, 0, 0, 0, korea)
			for range 5000 { // anywhere in a week, and its minute again
				at := start.Add(time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))
				check(at)
				check(at.Truncate(time.Minute).Add(time.Duration(rng.Int64N(int64(time.Minute)))))
			}
		}
	}
}

// TestCachedCardOpenAtConcurrent runs OpenAt on one card from goroutines at
// different minutes (for the race detector, and that no answer is another
// minute's).
func TestCachedCardOpenAtConcurrent(t *testing.T) {
	t.Parallel()
	h := store.Hours{"mon": {{Open: "10:00", Close: "10:01"}, {Open: "10:02", Close: "10:03"}}}
	c := NewCachedCard(cardOf(store.Pocha{ID: 1, Hours: h}, store.ReviewSummary{}), time.Time{})
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, korea)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				at := base.Add(time.Duration((g+i)%4)*time.Minute + time.Duration(i%60)*time.Second)
				want, _ := OpenByHours(h, at)
				if open, known := c.OpenAt(at); open != want || !known {
					t.Errorf("at %v: OpenAt = %v, %v; want %v, true", at, open, known, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
