package pochas

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/check"
	"github.com/illuwa/illuwa/store"
)

// Bounds of a search.
const (
	MaxSearchLimit  = 50
	maxSearchText   = 40
	searchCandidate = 200 // stalls read from the database before sorting by distance
)

// Query is a search for stalls: by text (a stall's or a menu item's name),
// by category, or both; with a position (Near), open stalls are sorted by
// their distance from it.
type Query struct {
	Text     string
	Category string
	Near     *Point
	Limit    int
}

// Point is a position in degrees.
type Point struct{ Lat, Lng float64 }

// Found is one stall a search found: its view and, when the query had a
// position and the stall is on the live map, how far it is.
type Found struct {
	View
	DistanceM *float64 `json:"distance_m"`
}

// Search finds the stalls matching q. Open stalls come first (nearest first
// when q.Near is set), then closed ones by id. Text is trimmed; it or the
// category is required.
func (s *Service) Search(ctx context.Context, q Query) ([]Found, error) {
	q.Text = strings.TrimSpace(q.Text)
	var cs check.Fields
	cs.Add(check.Len(q.Text) > maxSearchText, "q", fmt.Sprintf("at most %d characters", maxSearchText))
	cs.Add(check.Unsafe(q.Text, false), "q", "must not contain control characters")
	cs.Add(q.Category != "" && !IsCategory(q.Category), "category", "must be one of the codes GET /categories lists")
	cs.Add(q.Text == "" && q.Category == "", "q", "give a text to search for, a category, or both")
	if q.Near != nil {
		cs.Add(!finite(q.Near.Lat) || q.Near.Lat < -90 || q.Near.Lat > 90, "lat", "must be a latitude -90..90")
		cs.Add(!finite(q.Near.Lng) || q.Near.Lng < -180 || q.Near.Lng > 180, "lng", "must be a longitude -180..180")
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	cs.Add(q.Limit < 1 || q.Limit > MaxSearchLimit, "limit", fmt.Sprintf("must be a whole number 1..%d", MaxSearchLimit))
	if err := cs.Err(); err != nil {
		return nil, err
	}
	want := q.Limit
	if q.Near != nil {
		want = searchCandidate // the nearest open ones may not be the first by id
	}
	ps, err := s.store.SearchPochas(ctx, store.PochaQuery{Text: q.Text, Category: q.Category, Limit: want})
	if err != nil {
		return nil, fmt.Errorf("stalls: search: %w", err)
	}
	views := s.Views(ctx, ps)
	out := make([]Found, len(views))
	for i, v := range views {
		out[i].View = v
		if q.Near != nil && v.Location != nil {
			d := math.Round(geo.DistanceM(q.Near.Lat, q.Near.Lng, v.Location.Lat, v.Location.Lng)*10) / 10
			out[i].DistanceM = &d
		}
	}
	slices.SortStableFunc(out, func(a, b Found) int {
		switch {
		case a.DistanceM != nil && b.DistanceM != nil:
			return cmp.Compare(*a.DistanceM, *b.DistanceM)
		case a.DistanceM != nil:
			return -1
		case b.DistanceM != nil:
			return 1
		}
		return 0 // the store's order: open first, then by id
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
