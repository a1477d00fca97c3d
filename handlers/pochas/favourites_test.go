package pochas

import (
	"context"
	"errors"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestFavourites(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st, nil)
		ctx := context.Background()
		second, err := f.svc.Create(ctx, f.other.ID, Input{Name: ptr("종로 포차")})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.Favourites(ctx, f.other.ID); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("empty: %#v %v", got, err)
		}
		for _, id := range []uint64{f.pocha.ID, second.ID, second.ID} {
			v, err := f.svc.Favourite(ctx, f.other.ID, id)
			if err != nil || v.ID != id {
				t.Fatalf("favourite %d: %+v %v", id, v, err)
			}
		}
		if _, err := f.svc.Favourite(ctx, f.other.ID, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("favourite unknown: %v", err)
		}
		if err := f.svc.Unfavourite(ctx, f.other.ID, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unfavourite unknown: %v", err)
		}
		got, err := f.svc.Favourites(ctx, f.other.ID)
		if err != nil || len(got) != 2 || got[0].ID != second.ID || got[1].Name != "을지로 포차" {
			t.Fatalf("list: %+v %v", got, err)
		}
		for range 2 {
			if err := f.svc.Unfavourite(ctx, f.other.ID, second.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := f.svc.Favourites(ctx, f.other.ID); err != nil || len(got) != 1 || got[0].ID != f.pocha.ID {
			t.Fatalf("after unfavourite: %+v %v", got, err)
		}
		if got, err := f.svc.Favourites(ctx, f.owner.ID); err != nil || len(got) != 0 {
			t.Fatalf("another user's list: %+v %v", got, err)
		}
	})
}
