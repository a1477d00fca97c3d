package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

func mustUser(t *testing.T, s *store.Store, login, role string) store.User {
	t.Helper()
	u := store.User{LoginID: login, PasswordHash: "x", Nickname: login, Email: login + "@example.com", Phone: "010-0000-0000", Role: role}
	if err := s.CreateUser(context.Background(), &u); err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

func TestUsers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "kim", store.RoleCustomer)
		if u.ID == 0 {
			t.Fatal("no id assigned")
		}
		dup := store.User{LoginID: "kim", PasswordHash: "y", Nickname: "k2", Email: "b@example.com", Phone: "1", Role: store.RoleCustomer}
		if err := s.CreateUser(ctx, &dup); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate login id: got %v, want ErrConflict", err)
		}
		got, err := s.UserByLoginID(ctx, "kim")
		if err != nil || got.ID != u.ID || got.Role != store.RoleCustomer {
			t.Fatalf("by login id: %+v, %v", got, err)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("created_at not UTC: %v", got.CreatedAt.Location())
		}
		if _, err := s.UserByID(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown id: got %v", err)
		}
		// Verified is set, then a changed e-mail clears it.
		if err := s.SetVerified(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		nick, mail := "김씨", "new@example.com"
		up, err := s.UpdateUser(ctx, u.ID, store.UserPatch{Nickname: &nick, Email: &mail})
		if err != nil || up.Nickname != nick || up.Email != mail || up.Verified {
			t.Fatalf("update: %+v, %v", up, err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "lee", store.RoleOwner)
		now := time.Now().UTC()
		live := store.Session{TokenHash: strings.Repeat("a", 64), UserID: u.ID, ExpiresAt: now.Add(time.Hour)}
		old := store.Session{TokenHash: strings.Repeat("b", 64), UserID: u.ID, ExpiresAt: now.Add(-time.Hour)}
		for _, sess := range []*store.Session{&live, &old} {
			if err := s.CreateSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.UserBySessionToken(ctx, live.TokenHash, now); err != nil || got.ID != u.ID {
			t.Fatalf("live session: %+v %v", got, err)
		}
		if _, err := s.UserBySessionToken(ctx, old.TokenHash, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired session: %v", err)
		}
		if n, err := s.DeleteExpiredSessions(ctx, now); err != nil || n != 1 {
			t.Fatalf("delete expired: %d %v", n, err)
		}
		if err := s.DeleteSession(ctx, live.TokenHash); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserBySessionToken(ctx, live.TokenHash, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked session still works: %v", err)
		}
	})
}

func TestPochasAndMenu(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner := mustUser(t, s, "park", store.RoleOwner)
		other := mustUser(t, s, "choi", store.RoleOwner)
		img := store.Image{ID: "0b5c7f9e-3a52-4c1e-9d7e-2f9a8f0a1b2c", OwnerID: owner.ID, Name: "0b5c7f9e-3a52-4c1e-9d7e-2f9a8f0a1b2c.png", ContentType: "image/png", Size: 10, Width: 1, Height: 1}
		if err := s.CreateImage(ctx, &img); err != nil {
			t.Fatal(err)
		}
		p := store.Pocha{OwnerID: owner.ID, Name: "을지로 포차", MainImageID: &img.ID,
			Hours: store.Hours{"fri": {{Open: "18:00", Close: "02:00"}}}}
		if err := s.CreatePocha(ctx, &p); err != nil {
			t.Fatal(err)
		}
		bad := "ffffffff-ffff-4fff-8fff-ffffffffffff"
		if err := s.CreatePocha(ctx, &store.Pocha{OwnerID: owner.ID, Name: "x", MainImageID: &bad}); !errors.Is(err, store.ErrInvalidRef) {
			t.Fatalf("unknown image: got %v, want ErrInvalidRef", err)
		}
		got, err := s.PochaByID(ctx, p.ID)
		if err != nil || got.Name != p.Name || got.Hours["fri"][0].Close != "02:00" || *got.MainImageID != img.ID {
			t.Fatalf("read back: %+v %v", got, err)
		}
		name := "새 이름"
		if _, err := s.UpdatePocha(ctx, p.ID, other.ID, store.PochaPatch{Name: &name}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other owner's update: %v", err)
		}
		empty := ""
		up, err := s.UpdatePocha(ctx, p.ID, owner.ID, store.PochaPatch{Name: &name, MainImageID: &empty})
		if err != nil || up.Name != name || up.MainImageID != nil {
			t.Fatalf("update: %+v %v", up, err)
		}
		if err := s.SetPochaOpen(ctx, p.ID, true); err != nil {
			t.Fatal(err)
		}
		if open, err := s.OpenPochas(ctx); err != nil || len(open) != 1 || open[0].ID != p.ID {
			t.Fatalf("open pochas: %+v %v", open, err)
		}

		a := store.MenuItem{PochaID: p.ID, Name: "떡볶이", Price: 5000, Position: 2}
		b := store.MenuItem{PochaID: p.ID, Name: "오뎅", Price: 3000, Position: 1}
		for _, it := range []*store.MenuItem{&a, &b} {
			if err := s.CreateMenuItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		menu, err := s.Menu(ctx, p.ID)
		if err != nil || len(menu) != 2 || menu[0].ID != b.ID {
			t.Fatalf("menu order: %+v %v", menu, err)
		}
		other2 := store.Pocha{OwnerID: other.ID, Name: "다른 포차"}
		if err := s.CreatePocha(ctx, &other2); err != nil {
			t.Fatal(err)
		}
		byID, err := s.MenuItemsByIDs(ctx, other2.ID, []uint64{a.ID, b.ID})
		if err != nil || len(byID) != 0 {
			t.Fatalf("items of another stall leaked: %+v %v", byID, err)
		}
		price := int64(5500)
		if _, err := s.UpdateMenuItem(ctx, other2.ID, a.ID, store.MenuItemPatch{Price: &price}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update through another stall: %v", err)
		}
		if it, err := s.UpdateMenuItem(ctx, p.ID, a.ID, store.MenuItemPatch{Price: &price}); err != nil || it.Price != price {
			t.Fatalf("update item: %+v %v", it, err)
		}
		if err := s.DeleteMenuItem(ctx, p.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMenuItem(ctx, p.ID, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestMigrateDownAndUp(t *testing.T) {
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.URL(t, kind))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			n, err := s.MigrateUp(ctx)
			if err != nil || n == 0 {
				t.Fatalf("up: %d %v", n, err)
			}
			if n, err := s.MigrateUp(ctx); err != nil || n != 0 {
				t.Fatalf("second up ran %d: %v", n, err)
			}
			var sb strings.Builder
			if err := s.MigrateStatus(ctx, &sb); err != nil || !strings.Contains(sb.String(), "applied") {
				t.Fatalf("status: %q %v", sb.String(), err)
			}
			for {
				more, err := s.MigrateDown(ctx)
				if err != nil {
					t.Fatalf("down: %v", err)
				}
				if !more {
					break
				}
			}
			if n, err := s.MigrateUp(ctx); err != nil || n == 0 {
				t.Fatalf("up after down: %d %v", n, err)
			}
		})
	}
}
