package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func mustImage(t *testing.T, s *store.Store, owner uint64, size int64) store.Image {
	t.Helper()
	id := uuid.NewString()
	img := store.Image{ID: id, OwnerID: owner, Name: id + ".png", ContentType: "image/png", Size: size, Width: 1, Height: 1}
	if err := s.CreateImage(context.Background(), &img); err != nil {
		t.Fatal(err)
	}
	return img
}

func TestImageQuota(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		q := store.ImageQuota{Unreferenced: 2, UnreferencedBytes: 250, Bytes: 400}
		put := func(size int64) (store.Image, error) {
			id := uuid.NewString()
			img := store.Image{ID: id, OwnerID: f.owner.ID, Name: id + ".png", ContentType: "image/png", Size: size, Width: 1, Height: 1}
			return img, s.CreateImageWithin(ctx, &img, q)
		}
		a, err := put(100)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := put(200); !isQuota(err, "unreferenced_bytes") {
			t.Fatalf("past the unreferenced bytes: %v", err)
		}
		b, err := put(100)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := put(1); !isQuota(err, "unreferenced") {
			t.Fatalf("a third unreferenced picture: %v", err)
		}
		// Used pictures leave the unreferenced budget but stay in the total.
		main := a.ID
		if _, err := s.UpdatePocha(ctx, f.pocha.ID, f.owner.ID, store.PochaPatch{MainImageID: &main}); err != nil {
			t.Fatal(err)
		}
		it := store.MenuItem{PochaID: f.pocha.ID, Name: "떡볶이", Price: 4000, ImageID: &b.ID}
		if err := s.CreateMenuItem(ctx, &it); err != nil {
			t.Fatal(err)
		}
		u, err := s.ImageUsage(ctx, f.owner.ID)
		if err != nil || u != (store.ImageUsage{Count: 2, Bytes: 200}) {
			t.Fatalf("usage %+v %v", u, err)
		}
		if _, err := put(150); err != nil {
			t.Fatal(err)
		}
		if _, err := put(60); !isQuota(err, "bytes") {
			t.Fatalf("past the total: %v", err)
		}
		// Another user's budget is their own.
		other := store.Image{ID: uuid.NewString(), OwnerID: f.alice.ID, Name: "x.png", ContentType: "image/png", Size: 200}
		if err := s.CreateImageWithin(ctx, &other, q); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.ImageUsage(ctx, f.owner.ID); u.Count != 3 || u.UnreferencedCount != 1 || u.UnreferencedBytes != 150 {
			t.Fatalf("usage after refusals %+v", u)
		}
	})
}

func isQuota(err error, limit string) bool {
	var qe *store.QuotaError
	return errors.As(err, &qe) && qe.Limit == limit && errors.Is(err, store.ErrQuotaExceeded)
}

// TestImageQuotaParallel: parallel uploads of one user cannot all pass a
// quota that only some of them fit in.
func TestImageQuotaParallel(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		f := mustReviewFixture(t, s)
		q := store.ImageQuota{Unreferenced: 3}
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				id := uuid.NewString()
				img := store.Image{ID: id, OwnerID: f.bob.ID, Name: id + ".png", ContentType: "image/png", Size: 10}
				switch err := s.CreateImageWithin(context.Background(), &img, q); {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, store.ErrQuotaExceeded):
					refused.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 3 || refused.Load() != 9 {
			t.Fatalf("%d stored, %d refused; want 3 and 9", ok.Load(), refused.Load())
		}
	})
}

func TestUnreferencedImages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		old := mustImage(t, s, f.owner.ID, 1)
		used := mustImage(t, s, f.owner.ID, 1)
		onMenu := mustImage(t, s, f.owner.ID, 1)
		racer := mustImage(t, s, f.owner.ID, 1)
		if _, err := s.UpdatePocha(ctx, f.pocha.ID, f.owner.ID, store.PochaPatch{MainImageID: &used.ID}); err != nil {
			t.Fatal(err)
		}
		it := store.MenuItem{PochaID: f.pocha.ID, Name: "순대", Price: 3000, ImageID: &onMenu.ID}
		if err := s.CreateMenuItem(ctx, &it); err != nil {
			t.Fatal(err)
		}
		cutoff := time.Now().Add(time.Second)
		if got, err := s.UnreferencedImages(ctx, old.CreatedAt, 10); err != nil || len(got) != 0 {
			t.Fatalf("none is older than the first: %v %v", got, err)
		}
		got, err := s.UnreferencedImages(ctx, cutoff, 10)
		if err != nil || len(got) != 2 || got[0].ID != old.ID || got[1].ID != racer.ID {
			t.Fatalf("candidates %+v %v, want old and racer", got, err)
		}
		// The scan said racer was unused; a menu item takes it before the delete.
		it2 := store.MenuItem{PochaID: f.pocha.ID, Name: "어묵", Price: 2000, ImageID: &racer.ID}
		if err := s.CreateMenuItem(ctx, &it2); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.DeleteUnreferencedImage(ctx, racer.ID, 0, cutoff); err != nil || ok {
			t.Fatalf("deleted an image taken after the scan: %v %v", ok, err)
		}
		for _, img := range []store.Image{used, onMenu, racer} {
			if ok, err := s.DeleteUnreferencedImage(ctx, img.ID, 0, cutoff); err != nil || ok {
				t.Fatalf("deleted used image: %v %v", ok, err)
			}
			if _, err := s.ImageByID(ctx, img.ID); err != nil {
				t.Fatal(err)
			}
			if in, err := s.ImageInUse(ctx, img.ID); err != nil || !in {
				t.Fatalf("in use: %v %v", in, err)
			}
		}
		// Not yet old enough, or not the owner's: kept.
		if ok, err := s.DeleteUnreferencedImage(ctx, old.ID, 0, old.CreatedAt); err != nil || ok {
			t.Fatalf("young image deleted: %v %v", ok, err)
		}
		if ok, err := s.DeleteUnreferencedImage(ctx, old.ID, f.alice.ID, time.Time{}); err != nil || ok {
			t.Fatalf("another user's image deleted: %v %v", ok, err)
		}
		if ok, err := s.DeleteUnreferencedImage(ctx, old.ID, f.owner.ID, cutoff); err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if ok, err := s.DeleteUnreferencedImage(ctx, old.ID, 0, cutoff); err != nil || ok {
			t.Fatalf("second delete: %v %v", ok, err)
		}
		if _, err := s.ImageByID(ctx, old.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted image: %v", err)
		}
	})
}

// TestImageDeleteRacesReference: stalls and menu items take pictures while
// two collectors delete whatever is unused. Afterwards every picture that a
// stall or menu item took still exists, and each taking either succeeded or
// failed with ErrInvalidRef because the picture was already gone.
func TestImageDeleteRacesReference(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustReviewFixture(t, s)
		const n = 40
		imgs := make([]store.Image, n)
		for i := range imgs {
			imgs[i] = mustImage(t, s, f.owner.ID, 1)
		}
		taken := make([]bool, n)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := range n {
				it := store.MenuItem{PochaID: f.pocha.ID, Name: fmt.Sprint("메뉴", i), Price: 1000, ImageID: &imgs[i].ID}
				err := s.CreateMenuItem(ctx, &it)
				switch {
				case err == nil:
					taken[i] = true
				case !errors.Is(err, store.ErrInvalidRef):
					t.Error(err)
				}
			}
		})
		for range 2 {
			wg.Go(func() {
				for i := n - 1; i >= 0; i-- {
					if _, err := s.DeleteUnreferencedImage(ctx, imgs[i].ID, 0, time.Now().Add(time.Hour)); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		kept := 0
		for i, img := range imgs {
			_, err := s.ImageByID(ctx, img.ID)
			if taken[i] {
				kept++
				if err != nil {
					t.Fatalf("picture %d was taken by a menu item and deleted: %v", i, err)
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("picture %d: not taken and not deleted: %v", i, err)
			}
		}
		t.Logf("%d of %d taken before their delete", kept, n)
	})
}
