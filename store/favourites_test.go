package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestFavourites(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		for _, id := range []uint64{f.pocha.ID, f.otherPocha.ID, f.otherPocha.ID} {
			if err := s.AddFavourite(ctx, f.alice.ID, id); err != nil {
				t.Fatalf("add %d: %v", id, err)
			}
		}
		if err := s.AddFavourite(ctx, f.alice.ID, 999999); !errors.Is(err, store.ErrInvalidRef) {
			t.Fatalf("add unknown stall: %v", err)
		}
		ps, err := s.FavouritePochas(ctx, f.alice.ID)
		if err != nil || len(ps) != 2 || ps[0].ID != f.otherPocha.ID || ps[1].ID != f.pocha.ID {
			t.Fatalf("list: %+v %v", ps, err)
		}
		if ps, err := s.FavouritePochas(ctx, f.bob.ID); err != nil || len(ps) != 0 {
			t.Fatalf("bob's list: %+v %v", ps, err)
		}
		if ok, err := s.IsFavourite(ctx, f.alice.ID, f.pocha.ID); err != nil || !ok {
			t.Fatalf("is favourite: %v %v", ok, err)
		}
		if ok, err := s.IsFavourite(ctx, f.bob.ID, f.pocha.ID); err != nil || ok {
			t.Fatalf("bob's favourite: %v %v", ok, err)
		}
		for range 2 {
			if err := s.RemoveFavourite(ctx, f.alice.ID, f.otherPocha.ID); err != nil {
				t.Fatal(err)
			}
		}
		ps, err = s.FavouritePochas(ctx, f.alice.ID)
		if err != nil || len(ps) != 1 || ps[0].ID != f.pocha.ID {
			t.Fatalf("after remove: %+v %v", ps, err)
		}
	})
}
