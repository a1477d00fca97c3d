package pochas

import (
	"context"
	"errors"
	"testing"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func TestMenuCRUD(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
		f := newFixture(t, st, nil)
		ctx := context.Background()
		if _, err := f.svc.Menu(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("menu of an unknown stall: %v", err)
		}
		if items, err := f.svc.Menu(ctx, f.pocha.ID); err != nil || items == nil || len(items) != 0 {
			t.Fatalf("empty menu %v %v, want an empty list", items, err)
		}
		bad := []struct {
			name  string
			in    MenuInput
			field string
		}{
			{"name_missing", MenuInput{Price: ptr[int64](1000)}, "name"},
			{"price_missing", MenuInput{Name: ptr("떡볶이")}, "price"},
			{"price_negative", MenuInput{Name: ptr("떡볶이"), Price: ptr[int64](-1)}, "price"},
			{"price_too_high", MenuInput{Name: ptr("금가루 떡볶이"), Price: ptr[int64](MaxPrice + 1)}, "price"},
			{"position_too_high", MenuInput{Name: ptr("떡볶이"), Price: ptr[int64](1), Position: ptr(10001)}, "position"},
			{"image_not_uuid", MenuInput{Name: ptr("떡볶이"), Price: ptr[int64](1), ImageID: ptr("x")}, "image_id"},
			{"image_of_another_owner", MenuInput{Name: ptr("떡볶이"), Price: ptr[int64](1), ImageID: ptr(f.otherImg)}, "image_id"},
		}
		for _, tc := range bad {
			if _, err := f.svc.AddMenuItem(ctx, f.pocha, tc.in); fieldOf(err) != tc.field {
				t.Fatalf("%s: %v, want a field error on %s", tc.name, err, tc.field)
			}
		}
		it, err := f.svc.AddMenuItem(ctx, f.pocha, MenuInput{Name: ptr(" 떡볶이 "), Price: ptr[int64](5000), ImageID: ptr(f.ownerImg), Position: ptr(2)})
		if err != nil || it.ID == 0 || it.PochaID != f.pocha.ID || it.Name != "떡볶이" || it.Price != 5000 || it.Position != 2 ||
			it.ImageURL == nil || *it.ImageURL != "/api/v1/images/"+f.ownerImg {
			t.Fatalf("added %+v %v", it, err)
		}
		if it, err = f.svc.PatchMenuItem(ctx, f.pocha, it.ID, MenuInput{SoldOut: ptr(true), ImageID: ptr("")}); err != nil || !it.SoldOut || it.ImageID != nil || it.Price != 5000 {
			t.Fatalf("patched %+v %v", it, err)
		}
		if _, err := f.svc.PatchMenuItem(ctx, f.pocha, it.ID, MenuInput{Price: ptr[int64](-5)}); fieldOf(err) != "price" {
			t.Fatalf("bad patch: %v", err)
		}

		// Another owner's stall holds none of this stall's items.
		theirs, err := f.svc.Create(ctx, f.other.ID, Input{Name: ptr("옆집 포차")})
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.svc.Owned(ctx, theirs.ID, f.other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.PatchMenuItem(ctx, other, it.ID, MenuInput{Price: ptr[int64](1)}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("patch through another stall: %v, want store.ErrNotFound", err)
		}
		if err := f.svc.DeleteMenuItem(ctx, other, it.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete through another stall: %v, want store.ErrNotFound", err)
		}

		items, err := f.svc.Menu(ctx, f.pocha.ID)
		if err != nil || len(items) != 1 || items[0].Price != 5000 || !items[0].SoldOut {
			t.Fatalf("menu %+v %v", items, err)
		}
		if err := f.svc.DeleteMenuItem(ctx, f.pocha, it.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteMenuItem(ctx, f.pocha, it.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v, want store.ErrNotFound", err)
		}
	})
}
