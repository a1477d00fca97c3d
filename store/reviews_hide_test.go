package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestHideReview(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		kept := f.mustReview(t, s, f.alice, 5, true)
		hidden := f.mustReview(t, s, f.bob, 1, true)
		if err := s.HideReview(ctx, hidden.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.HideReview(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("hide unknown: %v", err)
		}
		for _, tc := range []struct {
			name string
			f    store.ReviewFilter
			want int
		}{
			{"public", store.ReviewFilter{PochaID: f.pocha.ID}, 1},
			{"its_author", store.ReviewFilter{PochaID: f.pocha.ID, ViewerID: f.bob.ID}, 1},
			{"the_owner", store.ReviewFilter{PochaID: f.pocha.ID, All: true}, 1},
			{"an_admin", store.ReviewFilter{PochaID: f.pocha.ID, All: true, Hidden: true}, 2},
		} {
			rs, err := s.ListReviews(ctx, tc.f)
			if err != nil || len(rs) != tc.want {
				t.Fatalf("%s: %d reviews (%v), want %d", tc.name, len(rs), err, tc.want)
			}
			if tc.want == 1 && rs[0].ID != kept.ID {
				t.Fatalf("%s: listed the hidden review", tc.name)
			}
		}
		st, err := s.ReviewStatsOf(ctx, f.pocha.ID, time.Now().Add(-time.Hour))
		if err != nil || st.Count != 1 {
			t.Fatalf("stats count the hidden review: %+v %v", st, err)
		}
	})
}
