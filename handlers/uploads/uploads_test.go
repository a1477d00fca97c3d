package uploads_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/illuwa/illuwa/handlers/uploads"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/storetest"
)

type fixture struct {
	st    *store.Store
	blobs blob.Storage
	owner store.User
	pocha store.Pocha
}

func newFixture(t *testing.T, s *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{st: s, blobs: s.Blobs(1 << 20)}
	f.owner = store.User{LoginID: "gc_owner", PasswordHash: "x", Nickname: "사장", Email: "gc@example.com", Phone: "010-0000-0000", Role: store.RoleOwner}
	if err := s.CreateUser(ctx, &f.owner); err != nil {
		t.Fatal(err)
	}
	f.pocha = store.Pocha{OwnerID: f.owner.ID, Name: "GC 포차"}
	if err := s.CreatePocha(ctx, &f.pocha); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) service(now func() time.Time, q store.ImageQuota) *uploads.Service {
	return uploads.New(uploads.Deps{Store: f.st, Blobs: f.blobs, Now: now,
		Options: uploads.Options{Grace: time.Hour, Batch: 3, Quota: q}})
}

func (f fixture) mustSave(t *testing.T, svc *uploads.Service) store.Image {
	t.Helper()
	id := uuid.NewString()
	img := store.Image{ID: id, OwnerID: f.owner.ID, Name: id + ".png", ContentType: "image/png", Size: 3, Width: 1, Height: 1}
	if err := svc.Save(context.Background(), &img, []byte("png")); err != nil {
		t.Fatal(err)
	}
	return img
}

func (f fixture) exists(t *testing.T, img store.Image) (record, bytes bool) {
	t.Helper()
	_, err := f.st.ImageByID(context.Background(), img.ID)
	record = err == nil
	rc, _, err := f.blobs.Open(context.Background(), img.Name)
	if err == nil {
		_ = rc.Close()
	}
	return record, err == nil
}

// TestCollect: after the grace period the unused pictures go, record and
// bytes; the used ones and the young ones stay. Two collectors at once
// delete each picture once.
func TestCollect(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		up := f.service(nil, store.ImageQuota{})
		var unused, used []store.Image
		for i := range 8 {
			img := f.mustSave(t, up)
			switch i {
			case 0:
				if _, err := s.UpdatePocha(ctx, f.pocha.ID, f.owner.ID, store.PochaPatch{MainImageID: &img.ID}); err != nil {
					t.Fatal(err)
				}
				used = append(used, img)
			case 1, 2:
				it := store.MenuItem{PochaID: f.pocha.ID, Name: fmt.Sprint("메뉴", i), Price: 1000, ImageID: &img.ID}
				if err := s.CreateMenuItem(ctx, &it); err != nil {
					t.Fatal(err)
				}
				used = append(used, img)
			default:
				unused = append(unused, img)
			}
		}
		// Within the grace period nothing goes.
		if n, err := f.service(func() time.Time { return time.Now().Add(59 * time.Minute) }, store.ImageQuota{}).Collect(ctx); err != nil || n != 0 {
			t.Fatalf("collected %d within the grace period: %v", n, err)
		}
		later := func() time.Time { return time.Now().Add(time.Hour + time.Minute) }
		a, b := f.service(later, store.ImageQuota{}), f.service(later, store.ImageQuota{})
		var wg sync.WaitGroup
		var na, nb int
		var ea, eb error
		wg.Go(func() { na, ea = a.Collect(ctx) })
		wg.Go(func() { nb, eb = b.Collect(ctx) })
		wg.Wait()
		if ea != nil || eb != nil || na+nb != len(unused) {
			t.Fatalf("collected %d + %d (%v, %v), want %d in all", na, nb, ea, eb, len(unused))
		}
		for _, img := range unused {
			if r, b := f.exists(t, img); r || b {
				t.Fatalf("unused %s kept: record %v bytes %v", img.ID, r, b)
			}
		}
		for _, img := range used {
			if r, b := f.exists(t, img); !r || !b {
				t.Fatalf("used %s lost: record %v bytes %v", img.ID, r, b)
			}
		}
	})
}

// TestDeleteOwn: the uploader deletes an unused picture of theirs; not one
// in use, not another user's.
func TestDeleteOwn(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		up := f.service(nil, store.ImageQuota{Unreferenced: 2})
		a, b := f.mustSave(t, up), f.mustSave(t, up)
		id := uuid.NewString()
		third := store.Image{ID: id, OwnerID: f.owner.ID, Name: id + ".png", ContentType: "image/png", Size: 3}
		if err := up.Save(ctx, &third, []byte("png")); !errors.Is(err, store.ErrQuotaExceeded) {
			t.Fatalf("third unused picture: %v", err)
		}
		if _, bytes := f.exists(t, third); bytes {
			t.Fatal("the refused picture's bytes were kept")
		}
		if err := up.Precheck(ctx, f.owner.ID); !errors.Is(err, store.ErrQuotaExceeded) {
			t.Fatalf("precheck of a full quota: %v", err)
		}
		if _, err := s.UpdatePocha(ctx, f.pocha.ID, f.owner.ID, store.PochaPatch{MainImageID: &a.ID}); err != nil {
			t.Fatal(err)
		}
		if err := up.Delete(ctx, f.owner.ID, a.ID); !errors.Is(err, uploads.ErrInUse) {
			t.Fatalf("delete of a used picture: %v", err)
		}
		if err := up.Delete(ctx, f.owner.ID+1000, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete of another's picture: %v", err)
		}
		if err := up.Delete(ctx, f.owner.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if r, bytes := f.exists(t, b); r || bytes {
			t.Fatalf("deleted picture kept: %v %v", r, bytes)
		}
		if err := up.Delete(ctx, f.owner.ID, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if err := up.Precheck(ctx, f.owner.ID); err != nil {
			t.Fatalf("precheck after the delete: %v", err)
		}
	})
}
